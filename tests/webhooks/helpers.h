// Shared by the webhooks tests: a scripted Sender, a settable clock and a store in a temp dir.
#pragma once
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "store/store.h"
#include "support/test_support.h"
#include "webhooks/service.h"

namespace wm::test {

struct Call {
  std::string url;
  webhooks::Headers headers;
  std::string body;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

// Answers from a script (then `fallback`), records every call.
class FakeSender : public webhooks::Sender {
 public:
  webhooks::SendResult send(const std::string& url, const webhooks::Headers& h, const std::string& body, int) override {
    std::lock_guard<std::mutex> l(mu);
    calls.push_back({url, h, body});
    if (script.empty()) return fallback;
    auto r = script.front();
    script.pop_front();
    return r;
  }
  std::vector<Call> seen() {
    std::lock_guard<std::mutex> l(mu);
    return calls;
  }
  void then(int status, std::string error = {}) {
    std::lock_guard<std::mutex> l(mu);
    webhooks::SendResult r;
    r.status = status;
    r.error = std::move(error);
    r.body_prefix = "answer " + std::to_string(status);
    script.push_back(r);
  }
  std::mutex mu;
  std::vector<Call> calls;
  std::deque<webhooks::SendResult> script;
  webhooks::SendResult fallback{200, "ok", 1, ""};
};

struct Clock {
  std::atomic<int64_t> ns{1'800'000'000LL * 1000000000};
  std::function<int64_t()> fn() {
    return [this] { return ns.load(); };
  }
  void advance_s(int64_t s) { ns += s * 1000000000; }
};

inline std::unique_ptr<store::Store> open_store(const std::string& dir) {
  store::Options o;
  o.dir = dir;
  auto s = store::Store::open(o);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

// Polls cond every 5 ms until it holds or timeout_ms passes.
inline bool eventually(const std::function<bool()>& cond, int timeout_ms = 5000) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

inline events::Event tip_event(uint64_t seq, const std::string& id, uint64_t units, std::string message = "gg") {
  events::Event e;
  e.seq = seq;
  e.type = events::Type::tip_completed;
  e.at_ns = 1'800'000'000LL * 1000000000;
  events::Tip t;
  t.tip_id = id;
  t.amount = *openpayments::make_amount(units, "EUR", 2);
  t.display_name = "Nova";
  t.message = std::move(message);
  t.sender_hash = "0123456789abcdef";
  e.body = t;
  return e;
}

}  // namespace wm::test
