// Poisoned webhook events at the ingestion service itself (issue 11, finding 4): one event the
// store refuses never takes the others of its batch with it.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "owncast/service.h"
#include "store/store.h"
#include "support/test_support.h"

using namespace wm;
using test::TempDir;

namespace {

std::string chat_with(const std::string& id) {
  return R"({"type":"CHAT","eventData":{"id":")" + id +
         R"(","timestamp":"2026-05-02T19:14:31Z","user":{"id":"u1","displayName":"a"},"body":"hi","extra":1}})";
}

}  // namespace

TEST_CASE("hostile: one event the store refuses never takes its batch with it (queued)") {
  TempDir dir;
  store::Options so;
  so.dir = dir.path();
  auto st = store::Store::open(so);
  REQUIRE(st);
  Metrics metrics;
  owncast::ServiceOptions opts;
  opts.durable_ack = false;
  opts.fail_store_for_test = [](const owncast::Event& e) -> Status {
    if (e.id == "q50") return Error{"store_error", "MDB_BAD_VALSIZE: Unsupported size of key/DB name/data"};
    return ok_status();
  };
  owncast::Service svc(**st, metrics, opts);
  REQUIRE(svc.start());
  {
    // Hold LMDB's write lock so all 100 events wait in the queue and form one batch.
    auto blocker = (*st)->begin_write();
    for (int i = 0; i < 100; ++i) REQUIRE(svc.submit(chat_with("q" + std::to_string(i)), "").status == 200);
  }
  svc.stop();
  auto page = svc.list_events("", 1000, "");
  REQUIRE(page);
  CHECK((*page)["events"].size() == 99);
  for (const auto& e : (*page)["events"]) CHECK(e["id"] != "q50");
}

TEST_CASE("hostile: with durable acks only the refused event answers 503, the others are stored") {
  TempDir dir;
  store::Options so;
  so.dir = dir.path();
  auto st = store::Store::open(so);
  REQUIRE(st);
  Metrics metrics;
  owncast::ServiceOptions opts;
  opts.durable_ack = true;
  opts.fail_store_for_test = [](const owncast::Event& e) -> Status {
    if (e.id == "d7") return Error{"store_error", "injected"};
    return ok_status();
  };
  owncast::Service svc(**st, metrics, opts);
  REQUIRE(svc.start());
  std::vector<int> status(16, 0);
  std::vector<std::thread> threads;
  auto wait_depth = [&](size_t n) {
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
         svc.queue_depth() != n && std::chrono::steady_clock::now() < deadline;)
      std::this_thread::yield();
    CHECK(svc.queue_depth() == n);
  };
  {
    auto blocker = (*st)->begin_write();
    auto submit = [&](int i) {
      threads.emplace_back([&, i] {
        status[i] = svc.submit(chat_with("d" + std::to_string(i)), "").status;
      });
    };
    // d0 is taken by the writer, which then waits for LMDB's write lock; d1..d15 queue up
    // behind it and form the next batch, with d7 in the middle.
    submit(0);
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
         metrics.render().find("owncast_wm_webhook_events_total{type=\"CHAT\"} 1") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline;)
      std::this_thread::yield();
    wait_depth(0);
    for (int i = 1; i < 16; ++i) submit(i);
    wait_depth(15);
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 16; ++i) {
    INFO("d" << i);
    CHECK(status[i] == (i == 7 ? 503 : 200));
  }
  auto page = svc.list_events("", 1000, "");
  REQUIRE(page);
  CHECK((*page)["events"].size() == 15);
}
