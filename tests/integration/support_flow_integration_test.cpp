// Streaming support ("pay while you watch", issue 14) proven end to end: the real owncast-wm
// binary against the Node Open Payments sandbox (Interledger's libraries check every request),
// Owncast's stream webhooks for the live state, and a short scheduler period
// (OWNCAST_WM_TEST_SUPPORT_INTERVAL_MS, test only). Every expectation about money is checked at
// the sandbox (the incoming payment's receivedAmount, the outgoing payments of the session),
// never only in our own records. Waits are bounded polls; "nothing happens" is checked by
// polling the invariant over a window (hold()).
#include <catch2/catch.hpp>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "integration/support_rig.h"

using json = nlohmann::json;
using namespace wm::test::supportrig;

TEST_CASE("support flow: no heartbeat -> paused; watching a live stream pays every interval, exactly; stream stop pauses; stop revokes",
          "[support][sandbox][integration]") {
  Rig rig;
  auto p = rig.start();
  const int port = p->port();
  REQUIRE(port > 0);
  stream(port, "stream-started.json");
  auto [id, token] = approve(rig, port, "flow-1");

  // Live stream, approved, but no heartbeat: paused, nothing counts, nothing is paid.
  auto s = until(port, id, [](const json& x) { return x["status"] == "paused"; });
  REQUIRE(s["status"] == "paused");
  CHECK(hold(1500, [&] {
    const json x = status(port, id);
    return x["status"] == "paused" && x["watchedMs"] == 0 && x["payments"] == 0 && at_wallet(rig.sb, id).count == 0;
  }));

  // Heartbeats (the widget's, every <= 15 s; here every 300 ms) with the stream live: active, and
  // one payment per interval (200 ms) once at least a minor unit is owed (100.00 EUR/h: 1 cent per 0.36 s).
  {
    Beater beat(port, id, token);
    s = until(port, id, [&](const json&) { return at_wallet(rig.sb, id).count >= 4; }, 30000);
    CHECK(s["status"] == "active");
    stream(port, "stream-stopped.json");
    s = until(port, id, [](const json& x) { return x["status"] == "paused"; });
    CHECK(s["status"] == "paused");
  }
  // Settled: nothing pending, the streamer's wallet confirmed every payment.
  s = until(port, id, [&](const json& x) {
    return units(x["pendingAmount"]) == 0 && x["payments"] == at_wallet(rig.sb, id).count &&
           units(x["paid"]) == at_wallet(rig.sb, id).received;
  });
  INFO(s.dump());
  const uint64_t watched = s["watchedMs"];
  const uint64_t owed = kRate * watched / 3600000;  // rounded down: the remainder carries
  const View v = at_wallet(rig.sb, id);
  CHECK(watched >= 1000);
  CHECK(v.received == owed);             // the incoming payment's receivedAmount, at the sandbox
  CHECK(v.sum_receive == owed);          // = the sum of the session's outgoing payments
  CHECK(units(s["paid"]) == owed);
  CHECK(v.count == s["payments"].get<size_t>());
  CHECK(v.count >= 4);
  CHECK(v.failed == 0);

  // Stream offline: heartbeats keep coming, nothing counts and nothing is paid.
  {
    Beater beat(port, id, token);
    CHECK(hold(1200, [&] {
      const json x = status(port, id);
      return x["status"] == "paused" && x["watchedMs"] == watched && at_wallet(rig.sb, id).count == v.count;
    }));
  }

  // Stop: the grant is revoked at the sandbox at once; the token no longer works; a live stream
  // with heartbeats pays nothing more.
  auto c = client(port);
  auto stop = c.Delete(("/plugins/wm/support/" + id).c_str(), httplib::Headers{{"Authorization", "Bearer " + token}});
  REQUIRE(stop);
  CHECK(stop->status == 200);
  CHECK(json::parse(stop->body)["status"] == "stopped");
  const json grant = session_grant(rig.sb, id);
  CHECK(grant["state"] == "revoked");
  stream(port, "stream-started.json");
  (void)beat_once(port, id, token);  // a late heartbeat from the widget changes nothing
  CHECK(hold(1200, [&] { return at_wallet(rig.sb, id).count == v.count && status(port, id)["status"] == "stopped"; }));
  CHECK(rig.sb.failures()["count"] == 0);
}

TEST_CASE("support flow: the grant's period limit -> limit_reached; the wallet's next period resumes it without new consent",
          "[support][sandbox][integration]") {
  Rig rig;
  auto p = rig.start();
  const int port = p->port();
  REQUIRE(port > 0);
  stream(port, "stream-started.json");
  auto [id, token] = approve(rig, port, "limit-1");
  Beater beat(port, id, token);
  const json first = until(port, id, [&](const json& x) { return x["payments"] >= 1 && at_wallet(rig.sb, id).count >= 1; }, 20000);
  INFO(first.dump());
  REQUIRE(first["payments"] >= 1);

  // The viewer's grant spends its whole hourly budget elsewhere (another device): the wallet
  // refuses the next payment with 403 and the session waits for the wallet's next period.
  const json grant = session_grant(rig.sb, id);
  const std::string limit = grant["access"][0]["limits"]["debitAmount"]["value"];
  rig.sb.hook("POST", "/_test/grants/spend", {{"grant", grant["id"]}, {"debit", limit}});
  auto s = until(port, id, [](const json& x) { return x["status"] == "limit_reached"; });
  INFO(s.dump());
  REQUIRE(s["status"] == "limit_reached");
  const size_t at_limit = at_wallet(rig.sb, id).count;
  const size_t grants_before = rig.sb.state()["grants"].size();
  CHECK(hold(1500, [&] {
    return status(port, id)["status"] == "limit_reached" && at_wallet(rig.sb, id).count == at_limit;
  }));

  // The wallet's clock passes the interval (its tokens expire meanwhile: 10 minutes): the session
  // resumes on its own and pays again, with no new grant.
  rig.sb.advance_clock(3601);
  s = until(port, id, [&](const json& x) { return x["status"] == "active" && at_wallet(rig.sb, id).count > at_limit; }, 20000);
  INFO(s.dump());
  CHECK(s["status"] == "active");
  CHECK(at_wallet(rig.sb, id).count > at_limit);
  CHECK(rig.sb.state()["grants"].size() == grants_before);  // rotated tokens, no new consent
  CHECK(rig.sb.failures()["count"] == 0);
}
