// Streaming support under kill -9: the real binary is SIGKILLed at each support crash point
// (OWNCAST_WM_TEST_CRASH_AFTER, as tip_crash_test.cpp does for tips), restarted on the same data
// dir, and the sandbox is the judge: the session's outgoing payments there match our record one
// for one, the streamer's incoming payment received exactly what the watched time is worth, and
// no watched interval was paid twice.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "integration/support_rig.h"

using json = nlohmann::json;
using namespace wm::test::supportrig;

namespace {

struct Crash {
  const char* step;
  const char* where;
  int sandbox_advance_s;  // the wallet's clock moves while we are down (0: it does not)
};

void crash_and_restart(const Crash& k) {
  INFO(k.step << " (" << k.where << "), sandbox clock +" << k.sandbox_advance_s << " s");
  Rig rig;
  std::string id, token;
  {
    auto p = rig.start(k.step);
    const int port = p->port();
    REQUIRE(port > 0);
    stream(port, "stream-started.json");
    std::tie(id, token) = approve(rig, port, std::string("crash-") + k.step);
    Beater beat(port, id, token);
    auto code = p->wait_exit(30000);
    REQUIRE(code);
    CHECK(*code == 128 + 9);
  }
  const View at_crash = at_wallet(rig.sb, id);
  if (k.sandbox_advance_s > 0) rig.sb.advance_clock(k.sandbox_advance_s);

  auto p = rig.start();
  const int port = p->port();
  REQUIRE(port > 0);
  {
    Beater beat(port, id, token);
    (void)until(port, id, [&](const json& x) { return x["payments"].get<size_t>() >= at_crash.count + 2; }, 30000);
    stream(port, "stream-stopped.json");
    (void)until(port, id, [](const json& x) { return x["status"] == "paused"; });
  }
  const json s = until(port, id, [&](const json& x) {
    const View v = at_wallet(rig.sb, id);
    return units(x["pendingAmount"]) == 0 && x["payments"] == v.count && units(x["paid"]) == v.received;
  });
  INFO(s.dump());
  const View v = at_wallet(rig.sb, id);
  const uint64_t owed = kRate * s["watchedMs"].get<uint64_t>() / 3600000;
  CHECK(s["payments"].get<size_t>() == v.count);  // one sandbox payment per payment we counted
  CHECK(v.count >= at_crash.count + 2);
  CHECK(v.failed == 0);
  CHECK(v.sum_receive == v.received);
  CHECK(v.received == owed);  // every watched interval paid, none twice
  CHECK(units(s["paid"]) == owed);
  CHECK(rig.sb.failures()["count"] == 0);
}

}  // namespace

TEST_CASE("support crash: kill -9 between the commit and the quote", "[support][sandbox][crash][integration]") {
  crash_and_restart({"support_intent", "intent committed, nothing asked", 0});
}

TEST_CASE("support crash: kill -9 between the committed quote and the send", "[support][sandbox][crash][integration]") {
  crash_and_restart({"support_quoted", "quote committed, payment not requested", 0});
}

TEST_CASE("support crash: kill -9 before the send; the quote expires while down", "[support][sandbox][crash][integration]") {
  crash_and_restart({"support_quoted", "quote committed, then expired (quote TTL 300 s)", 301});
}

TEST_CASE("support crash: kill -9 between the send and its commit", "[support][sandbox][crash][integration]") {
  crash_and_restart({"support_sent_unrecorded", "the wallet paid, not recorded", 0});
}

TEST_CASE("support crash: kill -9 right after the payment is recorded", "[support][sandbox][crash][integration]") {
  crash_and_restart({"support_sent", "recorded, receipt not read", 0});
}
