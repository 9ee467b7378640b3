// Streaming support end to end: the real owncast-wm binary against the Node Open Payments
// sandbox (Interledger's libraries check every signature and shape), with Owncast's stream
// webhooks and a short scheduler period (OWNCAST_WM_TEST_SUPPORT_INTERVAL_MS, test only).
#include <catch2/catch.hpp>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/poll.h"
#include "support/process.h"
#include "support/sandbox.h"
#include "support/test_support.h"

using json = nlohmann::json;
using wm::test::Process;
using wm::test::Sandbox;
using wm::test::TempDir;

namespace {

const std::string kHookToken = "supporttesthooktoken0123456789ab";
constexpr uint64_t kRate = 10000;  // 100.00 EUR per hour

httplib::Client client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(20, 0);
  c.set_keep_alive(false);
  return c;
}

struct Rig {
  Sandbox sb{{"--wait", "0"}};
  TempDir keys, data;
  Rig() {
    auto kg = wm::test::run_binary({"keygen", "--out", keys.file("key.pem"), "--key-id", "sup-key"});
    REQUIRE(kg.code == 0);
    sb.register_key("streamer", json::parse(kg.out));
  }
  std::unique_ptr<Process> start(const std::string& crash = "") {
    std::vector<std::string> env = {"OWNCAST_WM_TEST_SUPPORT_INTERVAL_MS=200"};
    if (!crash.empty()) env.push_back("OWNCAST_WM_TEST_CRASH_AFTER=" + crash);
    return std::make_unique<Process>(
        WM_BINARY,
        std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir", data.path(), "--wallet-address",
                                 sb.wallet("streamer"), "--key-id", "sup-key", "--key-file", keys.file("key.pem"),
                                 "--op-dev-hosts", sb.dev_host(), "--access-log", "off", "--webhook-token", kHookToken},
        env);
  }
};

void stream(int port, const char* fixture) {
  auto c = client(port);
  auto r = c.Post(("/webhooks/owncast/" + kHookToken).c_str(),
                  wm::test::read_file(wm::test::fixture_dir() + "/" + fixture), "application/json");
  REQUIRE(r);
  REQUIRE(r->status < 300);
}

// Creates and approves a session; returns {id, controlToken}.
std::pair<std::string, std::string> approve(Rig& rig, int port) {
  auto c = client(port);
  const json body{{"senderWalletAddress", rig.sb.wallet("alice")},
                  {"rate", {{"value", std::to_string(kRate)}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                  {"displayName", "Alice"}};
  httplib::Headers h{{"Idempotency-Key", "support-flow-1"}};
  auto created = c.Post("/plugins/wm/support", h, body.dump(), "application/json");
  REQUIRE(created);
  INFO(created->body);
  REQUIRE(created->status == 201);
  const json s = json::parse(created->body);
  CHECK(s["status"] == "awaiting_consent");
  CHECK(s["controlToken"].get<std::string>().size() >= 22);
  const std::string id = s["id"];
  const std::string redirect = rig.sb.decide_latest("accept");
  const auto at = redirect.find("/plugins/wm/support/" + id + "/callback?");
  REQUIRE(at != std::string::npos);
  auto cb = c.Get(redirect.substr(at).c_str());
  REQUIRE(cb);
  CHECK(cb->status == 200);
  return {id, s["controlToken"]};
}

json status(int port, const std::string& id) {
  auto r = client(port).Get(("/plugins/wm/support/" + id).c_str());
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return json::parse(r->body);
}

int beat(int port, const std::string& id, const std::string& token) {
  auto c = client(port);
  auto r = c.Post(("/plugins/wm/support/" + id + "/heartbeat").c_str(), httplib::Headers{{"Authorization", "Bearer " + token}},
                  "", "application/json");
  return r ? r->status : 0;
}

// Bounded poll until pred(status) holds; the last status.
template <typename P>
json until(int port, const std::string& id, P pred, int timeout_ms = 15000) {
  return wm::test::poll_until([&] { return status(port, id); }, pred, timeout_ms);
}

uint64_t units(const json& a) { return a.is_object() ? std::stoull(a["value"].get<std::string>()) : 0; }

// The sandbox's own view: the receivedAmount of the session's incoming payment and how many
// outgoing payments alice made.
std::pair<uint64_t, size_t> wallet_view(Sandbox& sb) {
  const json st = sb.state();
  uint64_t received = 0;
  for (const auto& ip : st["incomingPayments"])
    if (ip.value("walletAddress", "") == sb.wallet("streamer") && ip.contains("receivedAmount"))
      received += units(ip["receivedAmount"]);
  size_t n = 0;
  for (const auto& o : st["outgoingPayments"])
    if (o.value("walletAddress", "") == sb.wallet("alice") && !o.value("failed", false)) ++n;
  return {received, n};
}

}  // namespace

TEST_CASE("supportpay: approve, watch a live stream, payments sum to rate x watched time; stop revokes", "[support][sandbox]") {
  Rig rig;
  auto p = rig.start();
  const int port = p->port();
  REQUIRE(port > 0);
  auto [id, token] = approve(rig, port);
  const std::string first = status(port, id)["status"];  // paused once a tick saw no heartbeat yet
  CHECK((first == "active" || first == "paused"));
  CHECK(beat(port, id, "wrong-token") == 404);
  stream(port, "stream-started.json");
  for (int i = 0; i < 6; ++i) {  // drives heartbeats for about 3 s (the widget sends one every <= 15 s)
    REQUIRE(beat(port, id, token) == 204);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  auto s = until(port, id, [](const json& x) { return x["payments"].get<int>() > 0; });
  CHECK(s["status"] == "active");
  stream(port, "stream-stopped.json");
  s = until(port, id, [](const json& x) {
    // Settled: nothing pending and the streamer's wallet confirmed all of it (read each interval).
    return x["status"] == "paused" && units(x["pendingAmount"]) == 0 &&
           units(x["paid"]) == kRate * x["watchedMs"].get<uint64_t>() / 3600000;
  });
  INFO(s.dump());
  REQUIRE(s["status"] == "paused");
  const uint64_t watched = s["watchedMs"];
  CHECK(watched >= 2500);
  const uint64_t owed = kRate * watched / 3600000;
  CHECK(units(s["paid"]) == owed);  // confirmed by the incoming payment, to the minor unit
  auto [received, count] = wallet_view(rig.sb);
  CHECK(received == owed);
  CHECK(count == s["payments"].get<size_t>());
  // Paused: more heartbeats with the stream offline add nothing.
  REQUIRE(beat(port, id, token) == 204);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  CHECK(status(port, id)["watchedMs"] == watched);

  auto c = client(port);
  auto wrong = c.Delete(("/plugins/wm/support/" + id).c_str(), httplib::Headers{{"Authorization", "Bearer nope"}});
  REQUIRE(wrong);
  CHECK(wrong->status == 404);
  auto stop = c.Delete(("/plugins/wm/support/" + id).c_str(), httplib::Headers{{"Authorization", "Bearer " + token}});
  REQUIRE(stop);
  CHECK(stop->status == 200);
  CHECK(json::parse(stop->body)["status"] == "stopped");
  const json after = rig.sb.state();  // a named copy: the loop must not run over a destroyed temporary
  for (const auto& g : after["grants"])
    if (g.value("interactive", false)) CHECK(g["state"] == "revoked");
  CHECK(rig.sb.failures()["count"] == 0);
}

TEST_CASE("supportpay: kill -9 after the wallet paid, before the commit: restart never pays twice", "[support][sandbox][crash]") {
  Rig rig;
  std::string id, token;
  {
    auto p = rig.start("support_sent_unrecorded");
    const int port = p->port();
    REQUIRE(port > 0);
    std::tie(id, token) = approve(rig, port);
    stream(port, "stream-started.json");
    for (int i = 0; i < 40 && p->running(); ++i) {
      (void)beat(port, id, token);
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    auto code = p->wait_exit(20000);
    REQUIRE(code);
    CHECK(*code == 128 + 9);
  }
  auto [received_at_crash, count_at_crash] = wallet_view(rig.sb);
  REQUIRE(count_at_crash == 1);
  auto p = rig.start();
  const int port = p->port();
  REQUIRE(port > 0);
  REQUIRE(beat(port, id, token) == 204);
  auto s = until(port, id, [&](const json& x) { return x["payments"].get<size_t>() >= 2; });
  stream(port, "stream-stopped.json");
  s = until(port, id, [](const json& x) {
    // Settled: nothing pending and the streamer's wallet confirmed all of it (read each interval).
    return x["status"] == "paused" && units(x["pendingAmount"]) == 0 &&
           units(x["paid"]) == kRate * x["watchedMs"].get<uint64_t>() / 3600000;
  });
  INFO(s.dump());
  auto [received, count] = wallet_view(rig.sb);
  CHECK(count == s["payments"].get<size_t>());  // the crashed payment counted once, never re-sent
  CHECK(received == units(s["paid"]));
  CHECK(received == kRate * s["watchedMs"].get<uint64_t>() / 3600000);
  CHECK(received > received_at_crash);
}
