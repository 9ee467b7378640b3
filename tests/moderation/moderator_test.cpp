// The moderation gate on real LMDB and a real bus: the decision table, tip_cleared at most once
// per tip with the filtered message, the queue's approve/reject (final, idempotent), the log.
#include <catch2/catch.hpp>

#include <mutex>

#include "core/metrics.h"
#include "events/bus.h"
#include "moderation/moderator.h"
#include "store/store.h"
#include "support/test_store.h"
#include "support/test_support.h"

using namespace wm;
using events::Type;
using moderation::Decision;

namespace {

events::Tip tip(const std::string& id, uint64_t units, const std::string& message = "gg") {
  events::Tip t;
  t.tip_id = id;
  t.amount = openpayments::Amount{units, "EUR", 2};
  t.display_name = "Nova";
  t.message = message;
  return t;
}

// A moderator subscribed to a real bus, with a recorder of every tip_cleared.
using test::open_store;

struct Rig {
  test::TempDir own;
  std::unique_ptr<store::Store> store;
  Metrics metrics;
  std::unique_ptr<events::Bus> bus = std::make_unique<events::Bus>(*store, metrics);
  uint64_t min_units = 0;  // "alertMin": tips below it are below_minimum
  moderation::Moderator mod{*store, *bus,
                            {[this](const events::Tip& t) { return t.amount.units < min_units; }, {}, {}}};
  std::mutex mu;
  std::vector<events::Tip> cleared;

  explicit Rig(const std::string& dir = "") : store(open_store(dir.empty() ? own.path() : dir)) {
    REQUIRE(bus->subscribe(mod.subscription()));
    REQUIRE(bus->subscribe({"seen", events::Delivery::drop, 1024, {Type::tip_cleared}, [this](const events::Event& e) {
      std::lock_guard<std::mutex> lock(mu);
      cleared.push_back(*e.tip());
    }}));
  }
  ~Rig() { bus->stop(); }
  void complete(const events::Tip& t) {
    REQUIRE(bus->publish(Type::tip_completed, t));
    REQUIRE(bus->drain(5000));
  }
  std::vector<events::Tip> seen() {
    REQUIRE(bus->drain(5000));
    std::lock_guard<std::mutex> lock(mu);
    return cleared;
  }
  void settings(bool hold, std::vector<std::string> words = {}) {
    moderation::Settings s;
    s.hold = hold;
    s.words = std::move(words);
    REQUIRE(mod.set_settings(s));
  }
};

}  // namespace

TEST_CASE("moderation gate: decision table (minimum first, hold only above zero, else cleared)") {
  CHECK(moderation::decide(tip("a", 100), false, false) == Decision::cleared);
  CHECK(moderation::decide(tip("a", 100), true, false) == Decision::below_minimum);
  CHECK(moderation::decide(tip("a", 100), true, true) == Decision::below_minimum);
  CHECK(moderation::decide(tip("a", 100), false, true) == Decision::held);
  CHECK(moderation::decide(tip("a", 0), false, true) == Decision::cleared);  // nothing to hold
  CHECK(moderation::decide(tip("a", 0), true, true) == Decision::below_minimum);
}

TEST_CASE("moderation gate: tip_cleared once per tip, message filtered, the completed event untouched") {
  Rig r;
  r.settings(false, {"rude"});
  r.complete(tip("t1", 500, "you are RUDE and r\xC3\xBB" "de"));
  r.complete(tip("t1", 500, "you are RUDE and r\xC3\xBB" "de"));  // republished after a crash
  auto seen = r.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].tip_id == "t1");
  CHECK(seen[0].message == "you are *** and ***");
  CHECK(seen[0].amount.units == 500);
  auto journal = r.bus->journal(0, 10);
  REQUIRE(journal.size() == 3);  // completed, cleared, completed again: no second cleared
  CHECK(journal[0].tip()->message == "you are RUDE and r\xC3\xBB" "de");
  auto log = r.mod.log(10);
  REQUIRE(log.size() == 1);
  CHECK(log[0].decision == "cleared");
  CHECK(log[0].reason == "filtered");
  CHECK(log[0].by == "auto");
}

TEST_CASE("moderation gate: below the alert minimum nothing is cleared and the log says below_minimum") {
  Rig r;
  r.min_units = 300;
  r.settings(true);
  r.complete(tip("small", 299));
  r.complete(tip("big", 300));
  CHECK(r.seen().empty());  // "big" is held (hold on), "small" below the minimum
  auto log = r.mod.log(10);
  REQUIRE(log.size() == 2);
  CHECK(log[0].tip_id == "big");
  CHECK(log[0].decision == "held");
  CHECK(log[0].reason == "hold_for_approval");
  CHECK(log[1].tip_id == "small");
  CHECK(log[1].decision == "below_minimum");
  CHECK(r.mod.pending(10).size() == 1);
}

TEST_CASE("moderation gate: held tips wait; approve clears once, reject shows nothing; both are final") {
  Rig r;
  r.settings(true, {"meanie"});
  r.complete(tip("h1", 100, "hi meanie"));
  r.complete(tip("h2", 200, "bye"));
  r.complete(tip("zero", 0, "free"));  // nothing to hold: cleared at once
  auto seen = r.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].tip_id == "zero");
  auto pending = r.mod.pending(10);
  REQUIRE(pending.size() == 2);
  CHECK(pending[0].tip.tip_id == "h1");  // oldest first
  CHECK(pending[0].tip.message == "hi ***");
  CHECK(pending[0].received_ns > 0);

  auto approved = r.mod.approve("h1", "admin");
  REQUIRE(approved);
  CHECK(approved->message == "hi ***");
  auto again = r.mod.approve("h1", "admin");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == moderation::QueueError::already_decided);
  auto rejected = r.mod.reject("h2", "admin");
  REQUIRE(rejected);
  CHECK(r.mod.approve("h2", "admin").error().code == moderation::QueueError::already_decided);
  CHECK(r.mod.reject("zero", "admin").error().code == moderation::QueueError::already_decided);
  CHECK(r.mod.approve("nope", "admin").error().code == moderation::QueueError::not_found);
  r.complete(tip("h1", 100, "hi meanie"));  // a replay after approval changes nothing

  seen = r.seen();
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].tip_id == "h1");
  CHECK(seen[1].message == "hi ***");
  CHECK(seen[1].display_name == "Nova");
  CHECK(seen[1].amount.units == 100);
  CHECK(r.mod.pending(10).empty());
  auto log = r.mod.log(2);
  REQUIRE(log.size() == 2);
  CHECK(log[0].tip_id == "h2");
  CHECK(log[0].decision == "rejected");
  CHECK(log[0].by == "admin");
  CHECK(log[1].decision == "approved");
  CHECK(r.mod.log(100).size() == 5);  // held, held, cleared, approved, rejected
}

TEST_CASE("moderation gate: decisions survive a restart; a held tip can be approved after it") {
  test::TempDir dir;
  {
    Rig first(dir.path());
    first.settings(true);
    first.complete(tip("h", 100));
    first.complete(tip("c", 0));
    REQUIRE(first.seen().size() == 1);
  }
  Rig second(dir.path());
  second.complete(tip("h", 100));  // the tip service republishing after a crash: still held, once
  second.complete(tip("c", 0));    // decided before the restart: not cleared again
  REQUIRE(second.mod.pending(10).size() == 1);
  REQUIRE(second.mod.approve("h", "admin"));
  CHECK(second.mod.pending(10).empty());
  auto seen = second.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].tip_id == "h");
}
