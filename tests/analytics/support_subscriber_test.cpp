// Support events from the event bus: a completed tip is recorded once, with what the tip event
// carries, even when the bus delivers it twice.
#include <catch2/catch.hpp>

#include "analytics/summary.h"
#include "analytics/support_subscriber.h"
#include "core/metrics.h"
#include "events/bus.h"
#include "helpers.h"

using namespace wm;
using namespace wm::analytics;
using namespace wm::analytics::testing;

namespace {

events::Tip tip_event(Db& db, const std::string& id, uint64_t units) {
  events::Tip t;
  t.tip_id = id;
  t.amount = *openpayments::make_amount(units, "EUR", 2);
  t.display_name = "Nova";
  t.message = "gg";
  t.stream_id = "session-1";
  t.widget_stream = "main";
  t.sender_hash = db.hash("https://wallet.example/alice");
  return t;
}

}  // namespace

TEST_CASE("support subscriber: the support event is the tip event's, at its time") {
  Db db;
  events::Event e;
  e.type = events::Type::tip_completed;
  e.at_ns = at("2026-05-02T19:30:00Z");
  const events::Tip t = tip_event(db, "t1", 1250);
  e.body = t;
  const SupportEvent ev = support_event(e, t);
  CHECK(ev.tip_id == "t1");
  CHECK(ev.stream_id == "main");
  CHECK(ev.stream_session == "session-1");
  CHECK(ev.amount.units == 1250);
  CHECK(ev.sender_hash == t.sender_hash);
  CHECK(ev.display_name == "Nova");
  CHECK(ev.message == "gg");
  CHECK(ev.at_ns == e.at_ns);
  events::Tip no_stream = t;
  no_stream.widget_stream.clear();
  CHECK(support_event(e, no_stream).stream_id == "default");
}

TEST_CASE("support subscriber: a tip published twice, or replayed from the journal, counts once") {
  Db db;
  Metrics metrics;
  const int64_t now = timeutil::now_ns();
  {
    events::Bus bus(*db.store, metrics);
    REQUIRE(bus.subscribe(support_subscription(*db.store)));
    REQUIRE(bus.publish(events::Type::tip_completed, tip_event(db, "t1", 500), now));
    REQUIRE(bus.publish(events::Type::tip_completed, tip_event(db, "t1", 500), now));
    REQUIRE(bus.publish(events::Type::tip_failed, tip_event(db, "f1", 900), now));  // not money: not counted
    REQUIRE(bus.drain(5000));
    bus.unsubscribe(std::string(kSupportSubscriber));
    REQUIRE(bus.publish(events::Type::tip_completed, tip_event(db, "t2", 700), now));  // nobody listening
  }
  events::Bus bus(*db.store, metrics);
  REQUIRE(bus.subscribe(support_subscription(*db.store)));  // replays t2 from its cursor
  REQUIRE(bus.publish(events::Type::tip_completed, tip_event(db, "t2", 700), now));
  REQUIRE(bus.drain(5000));
  auto s = summary(*db.store, "", "last_24h", now + kSecond);
  REQUIRE(s);
  INFO(s->dump());
  CHECK((*s)["tipCount"] == 2);
  REQUIRE((*s)["totals"].size() == 1);
  CHECK((*s)["totals"][0]["value"] == "1200");
  CHECK((*summary(*db.store, "main", "last_24h", now + kSecond))["tipCount"] == 2);
  bus.stop();
}

TEST_CASE("support subscriber: the start-up catch-up leaves a tip still to be published to it") {
  Db db;
  auto put = [&](const std::string& id, bool notify_pending) {
    tips::TipRecord r;
    r.id = id;
    r.status = tips::TipStatus::completed;
    r.sender_wallet = "https://wallet.example/alice";
    r.amount = openpayments::Amount{500, "EUR", 2};
    r.created_ns = r.updated_ns = timeutil::now_ns();
    r.notify_pending = notify_pending;
    auto t = db.store->table("tips");
    REQUIRE(db.store->update([&](store::WriteTxn& txn) { return txn.put(t, "t/" + id, tips::to_storage(r).dump()); }));
  };
  put("old", false);     // completed before the bus: caught up here
  put("pending", true);  // the tip service publishes it at start: the subscriber records it
  auto added = record_completed_tips(*db.store);
  REQUIRE(added);
  CHECK(*added == 1);
  auto s = summary(*db.store, "", "all_time", timeutil::now_ns());
  REQUIRE(s);
  CHECK((*s)["tipCount"] == 1);
}
