#include "tips/viewer_sessions.h"

#include <list>
#include <mutex>
#include <unordered_map>

#include "core/crypto.h"
#include "core/timeutil.h"

namespace wm::tips {

namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

}  // namespace

// Sessions are keyed by SHA-256(id): a lookup's timing says nothing about the ids that exist
// and the ids themselves are not kept in memory. `order` holds the keys from least to most
// recently used; with one TTL for all, that is also the order of expiry.
struct ViewerSessions::Impl {
  struct Entry {
    std::string wallet_address;
    std::string display_name;
    int64_t expires_at_ns = 0;
    std::list<std::string>::iterator pos;
  };

  ViewerSessionOptions opts;
  std::mutex mu;
  std::unordered_map<std::string, Entry> entries;
  std::list<std::string> order;

  int64_t now() const { return opts.now_ns ? opts.now_ns() : timeutil::now_ns(); }
  int64_t ttl_ns() const { return opts.ttl_s * kNsPerSecond; }

  // Drops expired sessions from the old end; stops at the first live one. Cheap: O(expired).
  void sweep(int64_t now_ns) {
    while (!order.empty()) {
      auto it = entries.find(order.front());
      if (it != entries.end() && it->second.expires_at_ns > now_ns) break;
      if (it != entries.end()) entries.erase(it);
      order.pop_front();
    }
  }

  void erase(std::unordered_map<std::string, Entry>::iterator it) {
    order.erase(it->second.pos);
    entries.erase(it);
  }
};

ViewerSessions::ViewerSessions(ViewerSessionOptions opts) : impl_(std::make_unique<Impl>()) {
  if (opts.ttl_s <= 0) opts.ttl_s = 1800;
  if (opts.max_entries == 0) opts.max_entries = 1;
  impl_->opts = std::move(opts);
}

ViewerSessions::~ViewerSessions() = default;

ViewerSession ViewerSessions::create(std::string wallet_address, std::string display_name) {
  ViewerSession s;
  s.id = crypto::random_token(32);
  s.wallet_address = std::move(wallet_address);
  s.display_name = std::move(display_name);
  std::string key = crypto::sha256(s.id);

  std::lock_guard<std::mutex> lock(impl_->mu);
  const int64_t now = impl_->now();
  impl_->sweep(now);
  while (impl_->entries.size() >= impl_->opts.max_entries && !impl_->order.empty()) {
    auto oldest = impl_->entries.find(impl_->order.front());
    if (oldest != impl_->entries.end()) impl_->entries.erase(oldest);
    impl_->order.pop_front();
  }
  s.expires_at_ns = now + impl_->ttl_ns();
  impl_->order.push_back(key);
  Impl::Entry e{s.wallet_address, s.display_name, s.expires_at_ns, std::prev(impl_->order.end())};
  impl_->entries.insert_or_assign(std::move(key), std::move(e));  // a 256-bit collision: replaced
  return s;
}

std::optional<ViewerSession> ViewerSessions::get(const std::string& id) {
  const std::string key = crypto::sha256(id);
  std::lock_guard<std::mutex> lock(impl_->mu);
  const int64_t now = impl_->now();
  impl_->sweep(now);
  auto it = impl_->entries.find(key);
  if (it == impl_->entries.end()) return std::nullopt;
  if (it->second.expires_at_ns <= now) {  // possible only if the clock went backwards meanwhile
    impl_->erase(it);
    return std::nullopt;
  }
  it->second.expires_at_ns = now + impl_->ttl_ns();
  impl_->order.splice(impl_->order.end(), impl_->order, it->second.pos);  // most recently used
  return ViewerSession{id, it->second.wallet_address, it->second.display_name, it->second.expires_at_ns};
}

bool ViewerSessions::remove(const std::string& id) {
  const std::string key = crypto::sha256(id);
  std::lock_guard<std::mutex> lock(impl_->mu);
  const int64_t now = impl_->now();
  impl_->sweep(now);
  auto it = impl_->entries.find(key);
  if (it == impl_->entries.end()) return false;
  const bool live = it->second.expires_at_ns > now;
  impl_->erase(it);
  return live;
}

int64_t ViewerSessions::ttl_s() const { return impl_->opts.ttl_s; }

size_t ViewerSessions::size() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->sweep(impl_->now());
  return impl_->entries.size();
}

}  // namespace wm::tips
