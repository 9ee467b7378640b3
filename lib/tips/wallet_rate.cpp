#include "tips/wallet_rate.h"

#include <algorithm>

#include "core/timeutil.h"

namespace wm::tips {

namespace {
constexpr int64_t kNsPerSecond = 1'000'000'000;
}  // namespace

WalletRate::WalletRate(int window_s, size_t max_wallets)
    : window_ns_(std::max(1, window_s) * kNsPerSecond), max_wallets_(std::max<size_t>(1, max_wallets)) {}

void WalletRate::prune(std::deque<std::pair<int64_t, std::string>>& hits, int64_t now_ns) {
  while (!hits.empty() && now_ns - hits.front().first >= window_ns_) {
    wallet_of_.erase(hits.front().second);
    hits.pop_front();
  }
}

bool WalletRate::limited(const std::string& wallet, const std::string& tip_id, int limit, int& retry_after_s) {
  if (limit <= 0) return false;
  const int64_t now = timeutil::monotonic_ns();
  std::lock_guard<std::mutex> lock(mu_);
  if (hits_.size() >= max_wallets_ && !hits_.count(wallet)) {
    hits_.clear();
    wallet_of_.clear();
  }
  auto& hits = hits_[wallet];
  prune(hits, now);
  if (hits.size() >= static_cast<size_t>(limit)) {
    const int64_t wait_ns = hits.front().first + window_ns_ - now;
    retry_after_s = static_cast<int>(std::max<int64_t>(1, (wait_ns + kNsPerSecond - 1) / kNsPerSecond));
    return true;
  }
  hits.emplace_back(now, tip_id);
  wallet_of_[tip_id] = wallet;
  return false;
}

void WalletRate::release(const std::string& tip_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto w = wallet_of_.find(tip_id);
  if (w == wallet_of_.end()) return;
  auto h = hits_.find(w->second);
  wallet_of_.erase(w);
  if (h == hits_.end()) return;
  auto& hits = h->second;
  hits.erase(std::remove_if(hits.begin(), hits.end(), [&](const auto& e) { return e.second == tip_id; }), hits.end());
  if (hits.empty()) hits_.erase(h);
}

}  // namespace wm::tips
