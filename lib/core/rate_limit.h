// Fixed-window request counting per key (a client IP, a wallet): at most `limit` hits per window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace wm {

class RateLimiter {
 public:
  // max_keys bounds memory under a flood of distinct keys: past it, every window restarts.
  explicit RateLimiter(int window_s = 60, size_t max_keys = 100000);

  // Counts one hit for `key`. True when the key already had `limit` hits in its current window
  // (the hit is refused, retry_after_s says when the window ends); limit <= 0 never limits.
  bool limited(const std::string& key, int limit, int& retry_after_s);

 private:
  int window_s_;
  size_t max_keys_;
  std::mutex mu_;
  std::map<std::string, std::pair<int64_t, int>> hits_;  // key -> (window start s, count)
};

}  // namespace wm
