// ViewerSessions: TTL (sliding), bounded size (least recently used evicted), unguessable ids,
// thread safety. The clock is injected: no sleeping.
#include "tips/viewer_sessions.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

using namespace wm;

namespace {

constexpr int64_t kSec = 1'000'000'000;

struct FakeClock {
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(1'700'000'000 * kSec);
  std::function<int64_t()> fn() const {
    auto n = now;
    return [n] { return n->load(); };
  }
  void advance_s(int64_t s) { *now += s * kSec; }
};

tips::ViewerSessionOptions opts(const FakeClock& clock, int64_t ttl_s = 1800, size_t max = 10000) {
  tips::ViewerSessionOptions o;
  o.ttl_s = ttl_s;
  o.max_entries = max;
  o.now_ns = clock.fn();
  return o;
}

}  // namespace

TEST_CASE("viewer sessions: create and get return the stored wallet and name") {
  FakeClock clock;
  tips::ViewerSessions s(opts(clock));
  auto a = s.create("https://wallet.example/alice", "Alice");
  auto b = s.create("https://wallet.example/bob", "");
  CHECK(a.expires_at_ns == *clock.now + 1800 * kSec);
  auto ga = s.get(a.id);
  REQUIRE(ga);
  CHECK(ga->id == a.id);
  CHECK(ga->wallet_address == "https://wallet.example/alice");
  CHECK(ga->display_name == "Alice");
  auto gb = s.get(b.id);
  REQUIRE(gb);
  CHECK(gb->wallet_address == "https://wallet.example/bob");
  CHECK(gb->display_name.empty());
  CHECK(s.size() == 2);
  CHECK_FALSE(s.get("unknown"));
  CHECK_FALSE(s.get(""));
  // An id differing in one character is another id.
  std::string near = a.id;
  near.back() = near.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(s.get(near));
}

TEST_CASE("viewer sessions: ids are 32 random bytes, URL-safe and unique") {
  FakeClock clock;
  tips::ViewerSessions s(opts(clock));
  std::set<std::string> ids;
  for (int i = 0; i < 500; ++i) {
    auto v = s.create("https://w.example/x", "");
    CHECK(v.id.size() == 43);  // base64url of 32 bytes, no padding
    CHECK(v.id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    ids.insert(v.id);
  }
  CHECK(ids.size() == 500);
}

TEST_CASE("viewer sessions: expire after the TTL without use") {
  FakeClock clock;
  tips::ViewerSessions s(opts(clock, 1800));
  auto a = s.create("https://wallet.example/alice", "");
  clock.advance_s(1799);
  CHECK(s.size() == 1);
  clock.advance_s(1);  // exactly ttl after creation: expired
  CHECK_FALSE(s.get(a.id));
  CHECK(s.size() == 0);
}

TEST_CASE("viewer sessions: every get slides the expiry") {
  FakeClock clock;
  tips::ViewerSessions s(opts(clock, 1800));
  auto a = s.create("https://wallet.example/alice", "");
  auto b = s.create("https://wallet.example/bob", "");
  for (int i = 0; i < 5; ++i) {  // 5 x 20 min = 100 min, far beyond one TTL
    clock.advance_s(1200);
    auto g = s.get(a.id);
    REQUIRE(g);
    CHECK(g->expires_at_ns == *clock.now + 1800 * kSec);
  }
  CHECK_FALSE(s.get(b.id));  // b was never used: gone
  clock.advance_s(1800);
  CHECK_FALSE(s.get(a.id));
}

TEST_CASE("viewer sessions: remove forgets at once") {
  FakeClock clock;
  tips::ViewerSessions s(opts(clock));
  auto a = s.create("https://wallet.example/alice", "");
  auto b = s.create("https://wallet.example/bob", "");
  CHECK(s.remove(a.id));
  CHECK_FALSE(s.get(a.id));
  CHECK_FALSE(s.remove(a.id));
  CHECK(s.get(b.id));
  CHECK(s.size() == 1);
  clock.advance_s(4000);
  CHECK_FALSE(s.remove(b.id));  // expired: nothing left to forget
}

TEST_CASE("viewer sessions: bounded; the least recently used session is evicted") {
  FakeClock clock;
  tips::ViewerSessions s(opts(clock, 1800, 3));
  auto a = s.create("https://w.example/a", "");
  clock.advance_s(1);
  auto b = s.create("https://w.example/b", "");
  clock.advance_s(1);
  auto c = s.create("https://w.example/c", "");
  clock.advance_s(1);
  REQUIRE(s.get(a.id));  // a is now the most recently used; b the oldest
  auto d = s.create("https://w.example/d", "");
  CHECK(s.size() == 3);
  CHECK_FALSE(s.get(b.id));
  CHECK(s.get(a.id));
  CHECK(s.get(c.id));
  CHECK(s.get(d.id));
  // Many more: the size never exceeds the bound.
  for (int i = 0; i < 100; ++i) s.create("https://w.example/n", "");
  CHECK(s.size() == 3);
}

TEST_CASE("viewer sessions: expired sessions are swept on access, not only when looked up") {
  FakeClock clock;
  tips::ViewerSessions s(opts(clock, 60, 10000));
  for (int i = 0; i < 1000; ++i) s.create("https://w.example/x", "");
  CHECK(s.size() == 1000);
  clock.advance_s(61);
  auto fresh = s.create("https://w.example/fresh", "");
  CHECK(s.size() == 1);
  CHECK(s.get(fresh.id));
}

TEST_CASE("viewer sessions: concurrent create, get and remove") {
  FakeClock clock;
  tips::ViewerSessions s(opts(clock, 1800, 5000));
  std::atomic<int> found{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&s, &found, t] {
      for (int i = 0; i < 500; ++i) {
        auto v = s.create("https://w.example/t" + std::to_string(t), "");
        auto g = s.get(v.id);
        if (g && g->wallet_address == "https://w.example/t" + std::to_string(t)) ++found;
        if (i % 2 == 0) s.remove(v.id);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(found == 8 * 500);
  CHECK(s.size() == 8 * 250);
}
