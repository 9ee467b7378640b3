// The event bus: ordering, never blocking the publisher, drop-and-count, durable cursors and
// journal replay across a reopen — on a real LMDB store.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/metrics.h"
#include "events/bus.h"
#include "store/store.h"
#include "support/test_store.h"
#include "support/test_support.h"

using namespace wm;
using events::Bus;
using events::Delivery;
using events::Type;

namespace {

using test::open_store;

events::Body tip(const std::string& id, uint64_t units) {
  events::Tip t;
  t.tip_id = id;
  t.amount = *openpayments::make_amount(units, "USD", 2);
  t.display_name = "Nova";
  return t;
}

struct Seen {
  std::mutex m;
  std::vector<uint64_t> seqs;
  std::vector<std::string> ids;
  void add(const events::Event& e) {
    std::lock_guard<std::mutex> l(m);
    seqs.push_back(e.seq);
    if (auto t = e.tip()) ids.push_back(t->tip_id);
  }
  std::vector<std::string> tip_ids() {
    std::lock_guard<std::mutex> l(m);
    return ids;
  }
};

}  // namespace

TEST_CASE("events: names round-trip and durable types are the money and stream ones") {
  for (size_t i = 0; i < events::kTypeCount; ++i) {
    auto t = static_cast<Type>(i);
    REQUIRE(events::type_from_name(events::name(t)) == t);
  }
  CHECK(events::durable(Type::tip_completed));
  CHECK(events::durable(Type::stream_started));
  CHECK_FALSE(events::durable(Type::viewer_joined));
  CHECK_FALSE(events::type_from_name("tip.Completed"));
  CHECK(events::durable(Type::tip_cleared));  // alerts replay it and announcements resume from it
  CHECK_FALSE(events::external(Type::tip_cleared));  // webhooks keep tip.completed
  CHECK(events::external(Type::tip_completed));
}

TEST_CASE("events: an event survives to_json/from_json with its amount as integers") {
  events::Event e;
  e.seq = 7;
  e.type = Type::tip_completed;
  e.at_ns = 123;
  e.body = tip("t1", 1250);
  auto back = events::from_json(events::to_json(e));
  REQUIRE(back);
  CHECK(back->seq == 7);
  REQUIRE(back->tip());
  CHECK(back->tip()->amount.units == 1250);
  CHECK(events::to_json(e)["data"]["amount"]["value"] == "1250");
  CHECK_FALSE(events::from_json(nlohmann::json{{"type", "nope"}, {"data", nlohmann::json::object()}}));
}

TEST_CASE("events: subscribers receive events in seq order, filtered by type") {
  test::TempDir tmp;
  auto st = open_store(tmp.path());
  Metrics m;
  Bus bus(*st, m);
  Seen all, tips_only;
  REQUIRE(bus.subscribe({"all", Delivery::drop, 1024, {}, [&](const events::Event& e) { all.add(e); }}));
  REQUIRE(bus.subscribe({"tips", Delivery::drop, 1024, {Type::tip_completed}, [&](const events::Event& e) { tips_only.add(e); }}));
  for (int i = 0; i < 50; ++i) {
    REQUIRE(bus.publish(Type::tip_completed, tip("t" + std::to_string(i), 100 + i)));
    REQUIRE(bus.publish(Type::viewer_joined, events::Viewer{"u", "n"}));
  }
  REQUIRE(bus.drain(10000));
  CHECK(all.seqs.size() == 100);
  CHECK(std::is_sorted(all.seqs.begin(), all.seqs.end()));
  CHECK(tips_only.tip_ids().size() == 50);
  CHECK(tips_only.tip_ids().front() == "t0");
  CHECK(tips_only.tip_ids().back() == "t49");
}

TEST_CASE("events: a blocked subscriber never blocks the publisher; its overflow is dropped and counted") {
  test::TempDir tmp;
  auto st = open_store(tmp.path());
  Metrics m;
  Bus bus(*st, m);
  std::mutex gate;
  gate.lock();  // the handler waits here
  std::atomic<int> handled{0};
  REQUIRE(bus.subscribe({"slow", Delivery::drop, 4, {}, [&](const events::Event&) {
                           std::lock_guard<std::mutex> l(gate);
                           ++handled;
                         }}));
  for (int i = 0; i < 100; ++i) REQUIRE(bus.publish(Type::viewer_joined, events::Viewer{"u", "n"}));
  // 100 publishes returned while the handler is stuck; only what fits the queue survives.
  gate.unlock();
  REQUIRE(bus.drain(10000));
  CHECK(handled.load() <= 8);  // a batch of at most 4 in hand + 4 queued
  CHECK(handled.load() >= 1);
  CHECK(m.render().find("owncast_wm_bus_dropped_total{subscriber=\"slow\"} " + std::to_string(100 - handled.load())) !=
        std::string::npos);
}

TEST_CASE("events: a durable subscriber that overflows catches up from the journal and loses nothing") {
  test::TempDir tmp;
  auto st = open_store(tmp.path());
  Metrics m;
  Bus bus(*st, m);
  std::mutex gate;
  gate.lock();
  Seen seen;
  REQUIRE(bus.subscribe({"durable", Delivery::durable, 2, {Type::tip_completed}, [&](const events::Event& e) {
                           std::lock_guard<std::mutex> l(gate);
                           seen.add(e);
                         }}));
  for (int i = 0; i < 40; ++i) REQUIRE(bus.publish(Type::tip_completed, tip("t" + std::to_string(i), 1)));
  gate.unlock();
  REQUIRE(bus.drain(10000));
  auto ids = seen.tip_ids();
  REQUIRE(ids.size() == 40);  // each exactly once, in order
  for (int i = 0; i < 40; ++i) CHECK(ids[i] == "t" + std::to_string(i));
}

TEST_CASE("events: a durable subscriber's overflow counts every event it defers to the journal") {
  test::TempDir tmp;
  auto st = open_store(tmp.path());
  Metrics m;
  Bus bus(*st, m);
  std::mutex gate;
  gate.lock();
  std::atomic<bool> in_handler{false};
  Seen seen;
  REQUIRE(bus.subscribe({"durable", Delivery::durable, 2, {Type::tip_completed}, [&](const events::Event& e) {
                           in_handler = true;
                           std::lock_guard<std::mutex> l(gate);
                           seen.add(e);
                         }}));
  REQUIRE(bus.publish(Type::tip_completed, tip("t0", 1)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!in_handler && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  REQUIRE(in_handler);  // t0 is in hand, the queue is empty
  for (int i = 1; i < 40; ++i) REQUIRE(bus.publish(Type::tip_completed, tip("t" + std::to_string(i), 1)));
  // t1, t2 fill the queue; t3 overflows it (t1, t2 and t3 go back to the journal), t4..t39 wait
  // in the journal too: 39 events did not go through the queue.
  CHECK(m.render().find("owncast_wm_bus_dropped_total{subscriber=\"durable\"} 39\n") != std::string::npos);
  gate.unlock();
  REQUIRE(bus.drain(10000));
  REQUIRE(seen.tip_ids().size() == 40);
}

TEST_CASE("events: a durable subscriber resumes after its cursor across a reopen; seqs keep rising") {
  test::TempDir tmp;
  uint64_t last = 0;
  {
    auto st = open_store(tmp.path());
    Metrics m;
    Bus bus(*st, m);
    Seen seen;
    REQUIRE(bus.subscribe({"hooks", Delivery::durable, 64, {}, [&](const events::Event& e) { seen.add(e); }}));
    REQUIRE(bus.publish(Type::tip_completed, tip("a", 1)));
    REQUIRE(bus.drain(10000));
    bus.unsubscribe("hooks");  // "crash": the subscriber is gone, publishing goes on
    REQUIRE(bus.publish(Type::tip_completed, tip("b", 2)));
    REQUIRE(bus.publish(Type::stream_started, events::Stream{"s1", "title"}));
    last = bus.last_seq();
    CHECK(seen.tip_ids() == std::vector<std::string>{"a"});
  }
  auto st = open_store(tmp.path());
  Metrics m;
  Bus bus(*st, m);
  CHECK(bus.last_seq() == last);
  Seen seen;
  REQUIRE(bus.subscribe({"hooks", Delivery::durable, 64, {}, [&](const events::Event& e) { seen.add(e); }}));
  REQUIRE(bus.drain(10000));
  CHECK(seen.tip_ids() == std::vector<std::string>{"b"});
  CHECK(seen.seqs.size() == 2);  // b and the stream start, not a again
  auto next = bus.publish(Type::tip_completed, tip("c", 3));
  REQUIRE(next);
  CHECK(next->seq == last + 1);
  auto replay = bus.journal(0, 100);
  REQUIRE(replay.size() == 4);
  CHECK(replay.back().tip()->tip_id == "c");
}

TEST_CASE("events: the journal keeps the newest events and drops old ones past the minimum") {
  test::TempDir tmp;
  auto st = open_store(tmp.path());
  Metrics m;
  int64_t now = 1'000'000'000'000;
  events::BusOptions o;
  o.keep_min = 10;
  o.keep_ns = 1000;
  o.clock = [&] { return now; };
  Bus bus(*st, m, o);
  for (int i = 0; i < 200; ++i) {
    now += 100;
    REQUIRE(bus.publish(Type::tip_completed, tip("t" + std::to_string(i), 1)));
  }
  auto all = bus.journal(0, 1000);
  CHECK(all.size() < 200);
  CHECK(all.size() >= 10);
  CHECK(all.back().tip()->tip_id == "t199");
}

TEST_CASE("events: a throwing subscriber is counted and does not stop the others") {
  test::TempDir tmp;
  auto st = open_store(tmp.path());
  Metrics m;
  Bus bus(*st, m);
  Seen ok;
  REQUIRE(bus.subscribe({"bad", Delivery::drop, 16, {}, [](const events::Event&) { throw std::runtime_error("boom"); }}));
  REQUIRE(bus.subscribe({"good", Delivery::drop, 16, {}, [&](const events::Event& e) { ok.add(e); }}));
  REQUIRE(bus.publish(Type::test, events::Test{"x"}));
  REQUIRE(bus.drain(10000));
  CHECK(ok.seqs.size() == 1);
  CHECK(m.render().find("owncast_wm_bus_handler_failures_total{subscriber=\"bad\"} 1") != std::string::npos);
  CHECK_FALSE(bus.subscribe({"good", Delivery::drop, 16, {}, [](const events::Event&) {}}));
}
