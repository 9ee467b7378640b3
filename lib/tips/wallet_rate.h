// Tips created per sender wallet in a sliding window, where a tip that ends without money moving
// on the viewer's initiative or by time (cancelled, expired) is given back: a viewer who tries
// amounts (create, cancel, create again) or lets quotes lapse is not locked out.
//
// Thread-safe, in memory. Bounded: entries leave the window after window_s; past max_wallets
// distinct wallets everything is forgotten (as RateLimiter does under a flood of keys).
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace wm::tips {

class WalletRate {
 public:
  explicit WalletRate(int window_s = 60, size_t max_wallets = 100000);

  // Counts tip `tip_id` for `wallet`. True (not counted, retry_after_s set) when the wallet already
  // has `limit` counted tips in the last window_s seconds; limit <= 0 never limits.
  bool limited(const std::string& wallet, const std::string& tip_id, int limit, int& retry_after_s);
  // Gives the tip's slot back (no-op when it is not counted any more).
  void release(const std::string& tip_id);

 private:
  void prune(std::deque<std::pair<int64_t, std::string>>& hits, int64_t now_ns);

  int64_t window_ns_;
  size_t max_wallets_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<std::pair<int64_t, std::string>>> hits_;  // wallet -> (at, tip)
  std::unordered_map<std::string, std::string> wallet_of_;                           // tip -> wallet
};

}  // namespace wm::tips
