// Chat announcements as a durable bus subscriber: one message per completed tip, also when the
// bus delivers a tip twice (journal replay after a crash, or a second publish), on real LMDB.
#include <catch2/catch.hpp>

#include "core/metrics.h"
#include "events/bus.h"
#include "notify/announce_subscriber.h"
#include "store/store.h"
#include "support/test_support.h"

using namespace wm;

namespace {

std::unique_ptr<store::Store> open_store(const std::string& dir) {
  store::Options o;
  o.dir = dir;
  auto s = store::Store::open(o);
  REQUIRE(s);
  return std::move(*s);
}

events::Tip tip(const std::string& id, uint64_t units) {
  events::Tip t;
  t.tip_id = id;
  t.amount = *openpayments::make_amount(units, "EUR", 2);
  t.display_name = "Nova";
  t.message = "gg";
  return t;
}

// An announcer over a real outbox that is never started: queued messages stay pending, countable.
struct Rig {
  test::TempDir dir;
  std::unique_ptr<store::Store> store = open_store(dir.path());
  Metrics metrics;
  std::shared_ptr<notify::Outbox> outbox = std::make_shared<notify::Outbox>(
      *store, [](const std::string&) { return notify::DeliveryOutcome{notify::Delivery::sent, ""}; });
  notify::AnnounceConfig cfg{outbox, "{name} tipped {amount}: {message}", "", openpayments::CurrencyStyle::code, "T"};
  std::unique_ptr<notify::Announcer> announcer;

  Rig() {
    notify::AnnouncerOptions o;
    o.config = [this] { return cfg; };
    o.hidden = [](std::string_view id) { return id == "hidden"; };
    o.metrics = &metrics;
    announcer = std::make_unique<notify::Announcer>(*store, o);
  }
  std::string skipped(const std::string& reason) {
    const std::string series = "owncast_wm_announcements_skipped_total{reason=\"" + reason + "\"} ";
    const std::string text = metrics.render();
    auto p = text.find(series);
    return p == std::string::npos ? "absent" : text.substr(p + series.size(), text.find('\n', p) - p - series.size());
  }
};

}  // namespace

TEST_CASE("announce subscriber: a tip handled twice is queued once") {
  Rig r;
  r.announcer->handle(tip("t1", 1250));
  r.announcer->handle(tip("t1", 1250));
  CHECK(r.outbox->pending() == 1);
  auto o = notify::load_outcome(*r.store, "t1");
  REQUIRE(o);
  CHECK(o->queued);
  CHECK(r.announcer->status_of(tip("t1", 1250)) == "queued");
  r.announcer->handle(tip("t2", 300));
  CHECK(r.outbox->pending() == 2);
}

TEST_CASE("announce subscriber: skipped tips are recorded and counted once") {
  Rig r;
  r.cfg.announce_min = "5";
  CHECK(r.announcer->status_of(tip("small", 499)) == "skipped");  // predicted before handling
  r.announcer->handle(tip("small", 499));
  r.announcer->handle(tip("small", 499));
  CHECK(r.outbox->pending() == 0);
  auto o = notify::load_outcome(*r.store, "small");
  REQUIRE(o);
  CHECK_FALSE(o->queued);
  CHECK(o->reason == "below_minimum");
  CHECK(r.skipped("below_minimum") == "1");
  r.announcer->handle(tip("big", 500));  // 5.00 is not below 5
  CHECK(r.outbox->pending() == 1);

  r.cfg.outbox = nullptr;  // Owncast disconnected
  r.announcer->handle(tip("offline", 1000));
  CHECK(notify::load_outcome(*r.store, "offline")->reason == "owncast_not_connected");
  CHECK(r.skipped("owncast_not_connected") == "1");
  CHECK(r.skipped("failed") == "0");
  // The streamer's "announce again" needs a connection, ignores the minimum, records nothing new.
  CHECK(r.announcer->announce(tip("offline", 1000), true).error().code == "not_configured");
  r.cfg.outbox = r.outbox;
  REQUIRE(r.announcer->announce(tip("small", 499), true));
  CHECK(r.outbox->pending() == 2);
  CHECK(r.announcer->announce(tip("small", 499), false).error().code == "below_minimum");
}

TEST_CASE("announce subscriber: a broken template is a counted 'failed' skip, and hidden messages are left out") {
  Rig r;
  r.cfg.tmpl = "{nope}";
  r.announcer->handle(tip("t1", 100));
  CHECK(r.outbox->pending() == 0);
  CHECK(notify::load_outcome(*r.store, "t1")->reason == "failed");
  CHECK(r.skipped("failed") == "1");
  r.cfg.tmpl = "{name}: {message}";
  REQUIRE(r.announcer->announce(tip("hidden", 100), false));
  REQUIRE(r.announcer->announce(tip("shown", 100), false));
  CHECK(r.outbox->pending() == 2);
  std::vector<std::string> bodies;
  REQUIRE(notify::scan_outbox(*r.store, [&](std::string_view, std::string_view v) {
    bodies.push_back(nlohmann::json::parse(v)["body"]);
    return true;
  }));
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[0] == "Nova");
  CHECK(bodies[1] == "Nova: gg");
}

TEST_CASE("announce subscriber: through the bus, a republished tip and a journal replay give one message each") {
  Rig r;
  {
    events::Bus bus(*r.store, r.metrics);
    REQUIRE(bus.subscribe(r.announcer->subscription()));
    REQUIRE(bus.publish(events::Type::tip_cleared, tip("t1", 100)));
    REQUIRE(bus.publish(events::Type::tip_cleared, tip("t1", 100)));  // a second publish after a crash
    REQUIRE(bus.drain(5000));
    CHECK(r.outbox->pending() == 1);
    // The process dies after publishing t2 and before the subscriber handled it: here the
    // subscriber is gone when t2 is journaled.
    bus.unsubscribe(std::string(notify::kAnnounceSubscriber));
    REQUIRE(bus.publish(events::Type::tip_cleared, tip("t2", 100)));
  }
  CHECK(r.outbox->pending() == 1);
  // Restart: the durable cursor replays t2 from the journal; the tip service publishes it again.
  events::Bus bus(*r.store, r.metrics);
  REQUIRE(bus.subscribe(r.announcer->subscription()));
  REQUIRE(bus.publish(events::Type::tip_cleared, tip("t2", 100)));
  REQUIRE(bus.drain(5000));
  CHECK(r.outbox->pending() == 2);
  CHECK(notify::load_outcome(*r.store, "t2")->queued);
  bus.stop();
}
