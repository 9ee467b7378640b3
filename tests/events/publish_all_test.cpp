// Bus::publish_all (a group numbered in order, durable ones journaled together), Bus::publish_with
// (the caller's writes and the event in one transaction) and when durable cursors are saved.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "core/metrics.h"
#include "events/bus.h"
#include "store/store.h"
#include "support/test_store.h"
#include "support/test_support.h"

using namespace wm;
using events::Type;

TEST_CASE("events: publish_all numbers a group in order and journals only its durable events") {
  test::TempDir dir;
  store::Options o;
  o.dir = dir.path();
  auto st = store::Store::open(o);
  REQUIRE(st);
  Metrics metrics;
  events::Bus bus(**st, metrics);
  std::mutex m;
  std::vector<events::Event> got;
  REQUIRE(bus.subscribe({"all", events::Delivery::drop, 64, {}, [&](const events::Event& e) {
                           std::lock_guard<std::mutex> l(m);
                           got.push_back(e);
                         }}));
  std::vector<events::Draft> drafts;
  drafts.push_back({Type::viewer_joined, events::Viewer{"u1", "A"}, 10});
  drafts.push_back({Type::follow_received, events::Follow{"f1", "Dana", "@dana@example"}, 11});
  drafts.push_back({Type::stream_started, events::Stream{"s1", "Title"}, 12});
  drafts.push_back({Type::viewer_left, events::Viewer{"u1", "A"}, 13});
  REQUIRE(bus.publish_all(std::move(drafts)));
  REQUIRE(bus.publish_all({}));  // nothing: no-op
  REQUIRE(bus.drain(5000));
  {
    std::lock_guard<std::mutex> l(m);
    REQUIRE(got.size() == 4);
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i].seq == i + 1);
    CHECK(got[0].type == Type::viewer_joined);
    CHECK(got[1].follow()->account == "@dana@example");
    CHECK(got[3].at_ns == 13);
  }
  auto j = bus.journal(0, 10);
  REQUIRE(j.size() == 2);
  CHECK(j[0].seq == 2);
  CHECK(j[0].type == Type::follow_received);
  CHECK(j[1].seq == 3);
  CHECK(j[1].stream()->title == "Title");
  CHECK(bus.last_seq() == 4);
  bus.stop();
}

namespace {

events::Body a_tip(const std::string& id) {
  events::Tip t;
  t.tip_id = id;
  t.amount = *openpayments::make_amount(100, "USD", 2);
  return t;
}

std::optional<uint64_t> stored_cursor(store::Store& st, const std::string& name) {
  std::optional<uint64_t> out;
  (void)st.view([&](const store::ReadTxn& txn) -> Status {
    if (auto v = txn.get(st.table("bus_cursors"), "c/" + name)) out = store::key::read_u64(*v);
    return ok_status();
  });
  return out;
}

}  // namespace

TEST_CASE("events: publish_with commits the caller's writes and the event together, or neither") {
  test::TempDir dir;
  auto st = test::open_store(dir.path());
  Metrics metrics;
  events::Bus bus(*st, metrics);
  std::mutex m;
  std::vector<std::string> got;
  REQUIRE(bus.subscribe({"all", events::Delivery::drop, 64, {}, [&](const events::Event& e) {
                           std::lock_guard<std::mutex> l(m);
                           got.push_back(e.tip()->tip_id);
                         }}));
  auto mine = st->table("moderation");
  // Refused by the caller: its write is undone, nothing is journaled or received, no seq is used.
  auto refused = bus.publish_with(Type::tip_cleared, a_tip("no"), 0, [&](store::WriteTxn& w) -> Status {
    if (auto p = w.put(mine, "no", "1"); !p) return p;
    return Error{"already_decided", "decided before"};
  });
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "already_decided");
  CHECK(bus.last_seq() == 0);
  auto ok = bus.publish_with(Type::tip_cleared, a_tip("yes"), 0,
                             [&](store::WriteTxn& w) { return w.put(mine, "yes", "1"); });
  REQUIRE(ok);
  CHECK(ok->seq == 1);
  REQUIRE(bus.drain(5000));
  {
    std::lock_guard<std::mutex> l(m);
    CHECK(got == std::vector<std::string>{"yes"});
  }
  auto j = bus.journal(0, 10);
  REQUIRE(j.size() == 1);
  CHECK(j[0].tip()->tip_id == "yes");
  auto r = st->begin_read();
  CHECK(r.get(mine, "yes"));
  CHECK_FALSE(r.get(mine, "no"));
}

TEST_CASE("events: a durable cursor is saved when it comes due, not once per event, and at stop") {
  test::TempDir dir;
  auto st = test::open_store(dir.path());
  Metrics metrics;
  std::atomic<int> handled{0};
  SECTION("a long period: nothing saved while running, everything at stop") {
    events::BusOptions o;
    o.cursor_save_ms = 600000;
    events::Bus bus(*st, metrics, o);
    REQUIRE(bus.subscribe({"slow", events::Delivery::durable, 64, {}, [&](const events::Event&) { ++handled; }}));
    REQUIRE(stored_cursor(*st, "slow") == 0u);  // the first start's cursor
    for (int i = 0; i < 20; ++i) REQUIRE(bus.publish(Type::tip_completed, a_tip("t" + std::to_string(i))));
    REQUIRE(bus.drain(5000));
    CHECK(handled == 20);
    CHECK(stored_cursor(*st, "slow") == 0u);  // not one write per event
    bus.stop();
    CHECK(stored_cursor(*st, "slow") == 20u);
  }
  SECTION("a short period: an idle subscriber's cursor reaches the last seq without a stop") {
    events::BusOptions o;
    o.cursor_save_ms = 20;
    events::Bus bus(*st, metrics, o);
    REQUIRE(bus.subscribe({"quick", events::Delivery::durable, 64, {}, [&](const events::Event&) { ++handled; }}));
    for (int i = 0; i < 5; ++i) REQUIRE(bus.publish(Type::tip_completed, a_tip("t" + std::to_string(i))));
    REQUIRE(bus.drain(5000));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (stored_cursor(*st, "quick") != 5u && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(stored_cursor(*st, "quick") == 5u);
    bus.stop();
  }
}
