#include "core/rate_limit.h"

#include <algorithm>

#include "core/timeutil.h"

namespace wm {

RateLimiter::RateLimiter(int window_s, size_t max_keys) : window_s_(std::max(1, window_s)), max_keys_(max_keys) {}

bool RateLimiter::limited(const std::string& key, int limit, int& retry_after_s) {
  if (limit <= 0) return false;
  const int64_t now_s = timeutil::monotonic_ns() / 1000000000;
  std::lock_guard<std::mutex> lock(mu_);
  if (hits_.size() >= max_keys_ && !hits_.count(key)) hits_.clear();
  auto& [start, count] = hits_[key];
  if (count == 0 || now_s - start >= window_s_) {
    start = now_s;
    count = 0;
  }
  if (count >= limit) {
    retry_after_s = static_cast<int>(std::max<int64_t>(1, start + window_s_ - now_s));
    return true;
  }
  ++count;
  return false;
}

}  // namespace wm
