// Web Monetization revenue verified at the wallet (lib/support/wm_revenue.h): the real binary lists
// the streamer's incoming payments at the sandbox and counts only those owncast-wm did not create,
// by their receivedAmount, each once.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "integration/support_rig.h"

using json = nlohmann::json;
using namespace wm::test::supportrig;

namespace {

const std::string kPassword = "revenue-admin-password-1";

json revenue(int port) {
  auto c = client(port);
  c.set_basic_auth("admin", kPassword);
  auto r = c.Get("/plugins/wm/api/web-monetization/revenue");
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  return json::parse(r->body);
}

template <typename P>
json revenue_until(int port, P pred, int timeout_ms = 15000) {
  json last;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    last = revenue(port);
    if (pred(last)) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return last;
}

// An incoming payment a Web Monetization agent (client: bob's wallet) created at the streamer's
// wallet; returns its uuid.
std::string foreign_incoming(Rig& rig) {
  const json ip = rig.sb.hook("POST", "/_test/incoming-payments",
                              {{"wallet", "streamer"}, {"client", rig.sb.wallet("bob")}, {"metadata", {{"source", "wm"}}}});
  const std::string id = ip["id"];
  return id.substr(id.find_last_of('/') + 1);
}

}  // namespace

TEST_CASE("wm revenue: foreign incoming payments count once by receivedAmount; owncast-wm's own never",
          "[wmrevenue][sandbox][integration]") {
  Rig rig({"--wait", "0", "--list-all-interaction", "off"});
  rig.extra_env = {"OWNCAST_WM_TEST_WM_REVENUE_INTERVAL_MS=200"};
  rig.extra_args = {"--admin-password", kPassword};
  auto p = rig.start();
  const int port = p->port();
  REQUIRE(port > 0);

  // Before any money: a check succeeded, nothing counted.
  json r = revenue_until(port, [](const json& x) { return !x["lastCheckedAt"].is_null(); });
  CHECK(r["payments"] == 0);
  CHECK(r["totals"].empty());
  CHECK_FALSE(r.contains("error"));

  // Our own money at the streamer's wallet (a streaming-support session pays) is not revenue.
  stream(port, "stream-started.json");
  auto [id, token] = approve(rig, port, "wmrev-1");
  {
    Beater beat(port, id, token);
    const json s = until(port, id, [&](const json& x) { return x["payments"] >= 1 && at_wallet(rig.sb, id).received > 0; }, 20000);
    REQUIRE(s["payments"] >= 1);
  }

  // A Web Monetization payment: 1.23 EUR arrives on the agent's incoming payment.
  const std::string wm = foreign_incoming(rig);
  rig.sb.hook("POST", "/_test/incoming-payments/" + wm + "/pay", {{"from", "bob"}, {"receive", "123"}});
  r = revenue_until(port, [](const json& x) { return x["payments"] == 1; });
  INFO(r.dump());
  REQUIRE(r["totals"].size() == 1);
  CHECK(r["totals"][0]["value"] == "123");
  CHECK(r["totals"][0]["assetCode"] == "EUR");
  CHECK(r["totals"][0]["assetScale"] == 2);
  CHECK(r["totals"][0]["display"] == "1.23 EUR");
  // Counted once, however many rounds see it; money still streaming in is added as it arrives.
  const std::string checked = r["lastCheckedAt"];
  r = revenue_until(port, [&](const json& x) { return x["lastCheckedAt"] != checked; });
  CHECK(r["payments"] == 1);
  CHECK(r["totals"][0]["value"] == "123");
  rig.sb.hook("POST", "/_test/incoming-payments/" + wm + "/pay", {{"from", "bob"}, {"receive", "77"}});
  r = revenue_until(port, [](const json& x) { return x["totals"].size() == 1 && x["totals"][0]["value"] == "200"; });
  CHECK(r["totals"][0]["value"] == "200");
  CHECK(r["payments"] == 1);
  // A second agent payment is a second payment; an unpaid one counts nothing.
  const std::string wm2 = foreign_incoming(rig);
  (void)foreign_incoming(rig);
  rig.sb.hook("POST", "/_test/incoming-payments/" + wm2 + "/pay", {{"from", "alice"}, {"receive", "50"}});
  r = revenue_until(port, [](const json& x) { return x["payments"] == 2; });
  CHECK(r["totals"][0]["value"] == "250");
  CHECK(rig.sb.failures()["count"] == 0);
}

TEST_CASE("wm revenue: a wallet that wants an approval to list payments -> an error, nothing counted",
          "[wmrevenue][sandbox][integration]") {
  Rig rig;  // the sandbox's default, like Rafiki's: list-all needs an interaction
  rig.extra_env = {"OWNCAST_WM_TEST_WM_REVENUE_INTERVAL_MS=200"};
  rig.extra_args = {"--admin-password", kPassword};
  auto p = rig.start();
  const int port = p->port();
  REQUIRE(port > 0);
  const std::string wm = foreign_incoming(rig);
  rig.sb.hook("POST", "/_test/incoming-payments/" + wm + "/pay", {{"from", "bob"}, {"receive", "123"}});
  const json r = revenue_until(port, [](const json& x) { return x.contains("error"); });
  INFO(r.dump());
  REQUIRE(r.contains("error"));
  CHECK(r["error"]["code"] == "list_not_granted");
  CHECK(r["payments"] == 0);
  CHECK(r["totals"].empty());
  CHECK(r["lastCheckedAt"].is_null());
}
