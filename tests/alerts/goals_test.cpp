// Goals (issue 13): progress per asset from confirmed tips only, one active goal, goal.reached
// once, progress kept across a restart, input validation — on a real LMDB store and bus.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "alerts/goals.h"
#include "core/timeutil.h"
#include "core/metrics.h"
#include "events/bus.h"
#include "store/store.h"
#include "support/test_store.h"
#include "support/test_support.h"

using namespace wm;
using events::Type;
using json = nlohmann::json;

namespace {

using test::open_store;

events::Tip tip(const std::string& id, uint64_t units, const std::string& code = "USD", int scale = 2) {
  events::Tip t;
  t.tip_id = id;
  t.amount = *openpayments::make_amount(units, code, scale);
  t.display_name = "Nova";
  return t;
}

alerts::GoalInput input(uint64_t units, const std::string& title = "New mic") {
  return {title, *openpayments::make_amount(units, "USD", 2), 0};
}

// A store, a bus and Goals subscribed to it (durable "goals"), reopenable on the same dir.
struct World {
  std::string dir;
  Metrics metrics;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<events::Bus> bus;
  std::unique_ptr<alerts::Goals> goals;
  std::mutex m;
  std::vector<events::Event> reached;
  std::vector<alerts::Goal> changed;  // every on_change, in order ...
  std::vector<int64_t> changed_at;     // ... and when it came
  std::atomic<int> changes{0};
  std::string crash_step;  // simulated crash point (Goals' crash_after), "" = none

  explicit World(std::string d, std::string crash = "") : dir(std::move(d)), crash_step(std::move(crash)) { open(); }
  ~World() { close(); }
  void open() {
    store = open_store(dir);
    bus = std::make_unique<events::Bus>(*store, metrics);
    goals = std::make_unique<alerts::Goals>(
        *store, *bus, nullptr,
        [this](const alerts::Goal& g) {
          std::lock_guard<std::mutex> l(m);
          changed.push_back(g);
          changed_at.push_back(timeutil::now_ns());
          ++changes;
        },
        [this](std::string_view step) { return step == crash_step; });
    REQUIRE(bus->subscribe(goals->subscription()));
    events::Subscription s{"reached", events::Delivery::drop, 64, {Type::goal_reached}, [this](const events::Event& e) {
                             std::lock_guard<std::mutex> l(m);
                             reached.push_back(e);
                           }};
    REQUIRE(bus->subscribe(std::move(s)));
    REQUIRE(goals->start());
  }
  void close() {
    if (!bus) return;
    bus->drain(5000);
    bus->stop();
    goals->stop();
    goals.reset();
    bus.reset();
    store.reset();
  }
  void publish(events::Tip t, Type type = Type::tip_completed) {
    REQUIRE(bus->publish(type, std::move(t)));
    REQUIRE(bus->drain(5000));
  }
  uint64_t current() {
    auto g = goals->active();
    REQUIRE(g);
    return g->current.units;
  }
  size_t reached_count() {
    std::lock_guard<std::mutex> l(m);
    return reached.size();
  }
};

}  // namespace

TEST_CASE("goals: progress counts completed tips in the target's asset only, never other currencies") {
  test::TempDir dir;
  World w(dir.path());
  REQUIRE(w.goals->create(input(5000)));
  w.publish(tip("t1", 1250));
  w.publish(tip("t2", 900, "EUR", 2));   // another currency: not counted
  w.publish(tip("t3", 7, "USD", 0));     // same code, other scale: not counted either
  w.publish(tip("t4", 300), Type::tip_failed);  // not confirmed money
  w.publish(tip("t5", 250));
  CHECK(w.current() == 1500);
  auto j = alerts::to_json(*w.goals->active(), 0);
  CHECK(j["current"] == json({{"value", "1500"}, {"assetCode", "USD"}, {"assetScale", 2}, {"display", "15.00 USD"}}));
  CHECK(j["target"]["display"] == "50.00 USD");
  CHECK(j["percent"] == 30);
  CHECK(j["reached"] == false);
}

TEST_CASE("goals: tips before the goal started are not counted") {
  test::TempDir dir;
  World w(dir.path());
  w.publish(tip("before", 1000));
  REQUIRE(w.goals->create(input(5000)));
  w.publish(tip("after", 200));
  CHECK(w.current() == 200);
}

TEST_CASE("goals: one active goal at a time; a new one ends the previous, history keeps both") {
  test::TempDir dir;
  World w(dir.path());
  auto first = w.goals->create(input(5000, "First"));
  REQUIRE(first);
  w.publish(tip("t1", 100));
  auto second = w.goals->create(input(8000, "Second"));
  REQUIRE(second);
  CHECK(second->id != first->id);
  w.publish(tip("t2", 300));
  auto active = w.goals->active();
  REQUIRE(active);
  CHECK(active->title == "Second");
  CHECK(active->current.units == 300);
  auto h = w.goals->history(10);
  REQUIRE(h.size() == 2);
  CHECK(h[0].title == "Second");
  CHECK(h[1].title == "First");
  CHECK(h[1].ended_ns != 0);
  CHECK(h[1].current.units == 100);  // an ended goal no longer grows
  REQUIRE(w.goals->end());
  CHECK_FALSE(w.goals->active());
  auto again = w.goals->end();
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "no_active_goal");
}

TEST_CASE("goals: goal.reached is published once, when the target is first reached") {
  test::TempDir dir;
  World w(dir.path());
  REQUIRE(w.goals->create(input(1000)));
  w.publish(tip("t1", 600));
  CHECK(w.reached_count() == 0);
  w.publish(tip("t2", 400));  // exactly the target
  w.publish(tip("t3", 500));  // beyond it
  REQUIRE(w.bus->drain(5000));
  REQUIRE(w.reached_count() == 1);
  const auto* g = w.reached[0].goal();
  REQUIRE(g);
  CHECK(g->current.units == 1000);
  CHECK(g->target.units == 1000);
  CHECK(g->title == "New mic");
  auto active = w.goals->active();
  CHECK(active->reached_ns != 0);
  CHECK(alerts::percent_of(*active) == 150);
  // goal.reached is journaled (durable), so webhooks receive it.
  CHECK(events::durable(Type::goal_reached));
  auto back = events::from_json(events::to_json(w.reached[0]));
  REQUIRE(back);
  CHECK(back->goal()->target == g->target);
}

TEST_CASE("goals: progress survives a restart, and tips published while the subscriber was away are counted once") {
  test::TempDir dir;
  {
    World w(dir.path());
    REQUIRE(w.goals->create(input(5000)));
    w.publish(tip("t1", 1000));
    w.bus->unsubscribe("goals");  // the subscriber is gone (as in a crash before it ran) ...
    w.publish(tip("t2", 250));    // ... while this tip is journaled
  }
  World w(dir.path());            // restart: the durable cursor resumes from the journal
  REQUIRE(w.bus->drain(5000));
  CHECK(w.current() == 1250);
  // A replayed event (at-least-once delivery) is not counted twice.
  auto journal = w.bus->journal(0, 100);
  for (const auto& e : journal) w.goals->on_tip(e);
  CHECK(w.current() == 1250);
  w.publish(tip("t3", 5));
  CHECK(w.current() == 1255);
}

TEST_CASE("goals: input validation names the field and says what to fix") {
  const int64_t now = 1'700'000'000'000'000'000;
  auto err = [&](const json& body) {
    auto r = alerts::parse_goal_input(body, now);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_goal");
    CHECK_FALSE(r.error().message.empty());
    return r.error().field;
  };
  const json target = {{"value", "5000"}, {"assetCode", "USD"}, {"assetScale", 2}};
  CHECK(err(json::array()) == "");
  CHECK(err({{"target", target}}) == "title");
  CHECK(err({{"title", ""}, {"target", target}}) == "title");
  CHECK(err({{"title", std::string(121, 'x')}, {"target", target}}) == "title");
  CHECK(err({{"title", "Mic"}}) == "target");
  CHECK(err({{"title", "Mic"}, {"target", {{"value", 50.5}, {"assetCode", "USD"}, {"assetScale", 2}}}}) == "target");
  CHECK(err({{"title", "Mic"}, {"target", {{"value", "0"}, {"assetCode", "USD"}, {"assetScale", 2}}}}) == "target");
  CHECK(err({{"title", "Mic"}, {"target", target}, {"endsAt", "tomorrow"}}) == "endsAt");
  CHECK(err({{"title", "Mic"}, {"target", target}, {"endsAt", "2001-01-01T00:00:00Z"}}) == "endsAt");
  auto ok = alerts::parse_goal_input({{"title", "Mic"}, {"target", target}, {"endsAt", "2099-01-01T00:00:00Z"}}, now);
  REQUIRE(ok);
  CHECK(ok->target.units == 5000);
  CHECK(ok->ends_ns > now);
}

namespace {

// Polls `pred` until it holds or `ms` pass (no fixed sleeps in assertions).
template <class F>
bool eventually(F pred, int ms = 5000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

TEST_CASE("goals: when endsAt passes the goal is announced as ended without a new tip") {
  test::TempDir dir;
  World w(dir.path());
  alerts::GoalInput in = input(5000);
  in.ends_ns = timeutil::now_ns() + 300'000'000;  // 0.3 s
  auto g = w.goals->create(in);
  REQUIRE(g);
  w.publish(tip("t1", 100));
  auto ended = [&] {
    std::lock_guard<std::mutex> l(w.m);
    for (size_t i = 0; i < w.changed.size(); ++i)
      if (w.changed[i].id == g->id && w.changed_at[i] >= in.ends_ns) return true;
    return false;
  };
  REQUIRE(eventually(ended));
  CHECK(timeutil::now_ns() >= in.ends_ns);
  CHECK_FALSE(w.goals->active());
  {
    std::lock_guard<std::mutex> l(w.m);
    CHECK(w.changed.back().current.units == 100);  // the total it ended with
  }
  // Announced once: a later goal's change is the next one.
  const int before = w.changes;
  REQUIRE(w.goals->create(input(1000, "Next")));
  REQUIRE(eventually([&] { return w.changes > before; }));
  {
    std::lock_guard<std::mutex> l(w.m);
    size_t ends = 0;
    for (size_t i = 0; i < w.changed.size(); ++i)
      ends += w.changed[i].id == g->id && w.changed_at[i] >= in.ends_ns && w.changed[i].ended_ns == 0;
    CHECK(ends == 1);
  }
}

TEST_CASE("goals: goal.reached exactly once with tips published concurrently from many threads") {
  test::TempDir dir;
  World w(dir.path());
  REQUIRE(w.goals->create(input(1000)));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&w, t] {
      for (int i = 0; i < 25; ++i) REQUIRE(w.bus->publish(Type::tip_completed, tip("t" + std::to_string(t * 100 + i), 10)));
    });
  for (auto& th : threads) th.join();
  REQUIRE(w.bus->drain(5000));
  CHECK(w.current() == 2000);
  CHECK(w.reached_count() == 1);
}

TEST_CASE("goals: goal.reached exactly once across a crash after the reaching commit and restarts") {
  test::TempDir dir;
  std::string goal_id;
  {
    // The process "dies" right after committing the tip that reached the goal, before the
    // goal.reached publish.
    World w(dir.path(), "goal_reached_committed");
    auto g = w.goals->create(input(1000));
    REQUIRE(g);
    goal_id = g->id;
    w.publish(tip("t1", 1000));
    CHECK(w.reached_count() == 0);
  }
  {
    World w(dir.path());  // restart: the pending goal.reached is sent now
    REQUIRE(eventually([&] { return w.reached_count() == 1; }));
    CHECK(w.reached[0].goal()->goal_id == goal_id);
    w.publish(tip("t2", 5));
  }
  for (int i = 0; i < 2; ++i) {
    World w(dir.path());  // and never again
    w.publish(tip("t" + std::to_string(3 + i), 5));
    REQUIRE(w.bus->drain(5000));
    CHECK(w.reached_count() == 0);
  }
  World w(dir.path());
  size_t in_journal = 0;
  for (const auto& e : w.bus->journal(0, 1000)) in_journal += e.type == Type::goal_reached;
  CHECK(in_journal == 1);
  CHECK(w.current() == 1015);
}

TEST_CASE("goals: a crash between the goal.reached publish and its bookkeeping does not send it twice") {
  test::TempDir dir;
  {
    World w(dir.path(), "goal_reached_published");
    REQUIRE(w.goals->create(input(1000)));
    w.publish(tip("t1", 1200));
    REQUIRE(eventually([&] { return w.reached_count() == 1; }));
  }
  World w(dir.path());
  REQUIRE(w.bus->drain(5000));
  w.publish(tip("t2", 1));
  CHECK(w.reached_count() == 0);
  size_t in_journal = 0;
  for (const auto& e : w.bus->journal(0, 1000)) in_journal += e.type == Type::goal_reached;
  CHECK(in_journal == 1);
}
