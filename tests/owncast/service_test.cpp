// The ingestion service directly: back-pressure and acknowledgement semantics.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "owncast/service.h"
#include "support/test_support.h"

using namespace wm;

namespace {
std::string chat(int i) {
  auto j = nlohmann::json::parse(test::read_file(test::fixture_dir() + "/chat.json"));
  j["eventData"]["id"] = "q" + std::to_string(i);
  return j.dump();
}
}  // namespace

TEST_CASE("service: a full queue answers 503 at once and loses nothing it accepted") {
  test::TempDir dir;
  store::Options so;
  so.dir = dir.path();
  auto store = store::Store::open(so);
  REQUIRE(store);
  Metrics metrics;
  owncast::ServiceOptions opts;
  opts.queue_capacity = 16;
  opts.durable_ack = false;
  owncast::Service svc(**store, metrics, opts);
  REQUIRE(svc.start());
  int accepted = 0, refused = 0;
  {
    // Holding LMDB's single write transaction stalls the writer, so the queue fills up.
    auto blocker = (*store)->begin_write();
    for (int i = 0; i < 40; ++i) {
      auto ack = svc.submit(chat(i), "");
      if (ack.status == 200) ++accepted;
      if (ack.status == 503) {
        ++refused;
        CHECK(ack.code == "queue_full");
      }
    }
  }  // blocker aborts; the writer proceeds
  CHECK(accepted >= 16);
  CHECK(refused > 0);
  CHECK(accepted + refused == 40);
  svc.stop();  // drains the queue
  auto page = svc.list_events("", 1000, "");
  REQUIRE(page);
  CHECK((*page)["events"].size() == static_cast<size_t>(accepted));
  CHECK(metrics.render().find("owncast_wm_webhook_rejected_total{reason=\"queue_full\"} " + std::to_string(refused)) !=
        std::string::npos);
}

TEST_CASE("service: a durable acknowledgement means the event is already in the store") {
  test::TempDir dir;
  store::Options so;
  so.dir = dir.path();
  auto store = store::Store::open(so);
  REQUIRE(store);
  Metrics metrics;
  owncast::Service svc(**store, metrics, {});
  REQUIRE(svc.start());
  for (int i = 0; i < 20; ++i) {
    auto ack = svc.submit(chat(i), "");
    REQUIRE(ack.status == 200);
    CHECK(ack.code == "stored");
    // Read straight from LMDB, not through the service.
    bool found = false;
    auto t = (*store)->table("dedupe");
    (void)(*store)->view([&](const store::ReadTxn& txn) {
      found = txn.get(t, std::string("CHAT") + '\0' + "q" + std::to_string(i)).has_value();
      return ok_status();
    });
    CHECK(found);
  }
}
