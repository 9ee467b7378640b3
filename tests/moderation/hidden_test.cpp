// A hidden message stays off the overlays: a real tip through the Open Payments sandbox, its
// alert live with the message; the streamer hides the message; a reconnecting overlay
// (Last-Event-ID replay), the alert history and the recent-tips data show it without one.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "alerts/sse_client.h"
#include "openpayments/keys.h"
#include "support/app_harness.h"
#include "support/sandbox.h"
#include "support/test_support.h"

using namespace wm;
using json = nlohmann::json;

namespace {

const std::string kPassword = "correct horse battery";

httplib::Headers admin() { return {{"Authorization", test::basic_auth(kPassword)}}; }

json parse(const httplib::Result& r, int status) {
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == status);
  return json::parse(r->body);
}

// A completed sandbox tip from alice; returns its id.
std::string complete_tip(test::RunningApp& app, test::Sandbox& sb, const std::string& message) {
  auto c = app.client();
  const json body{{"senderWalletAddress", sb.wallet("alice")},
                  {"amount", {{"value", "250"}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                  {"message", message},
                  {"displayName", "Alice"}};
  const std::string id = parse(c.Post("/plugins/wm/tips", body.dump(), "application/json"), 201)["id"];
  const std::string redirect = sb.decide_latest("accept");
  REQUIRE(c.Get(redirect.substr(redirect.find("/plugins/wm/tips/")).c_str()));
  std::string status;
  for (int i = 0; i < 200 && status != "completed"; ++i) {
    status = parse(c.Get(("/plugins/wm/tips/" + id).c_str()), 200)["status"];
    if (status != "completed") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(status == "completed");
  return id;
}

}  // namespace

TEST_CASE("moderation hidden: a hidden message is not in the replayed alert, the history or the recent tips") {
  test::Sandbox sb{{"--wait", "0"}};
  test::TempDir dir;
  auto key = openpayments::PrivateKey::generate();
  REQUIRE(key);
  REQUIRE(key->write_pem_file(dir.file("key.pem")));
  sb.register_key("streamer", key->public_jwk("app-key"));
  test::RunningApp app(dir.file("data"), {"--admin-password", kPassword, "--wallet-address", sb.wallet("streamer"),
                                          "--key-id", "app-key", "--key-file", dir.file("key.pem"), "--op-dev-hosts",
                                          sb.dev_host()});
  const std::string overlay = parse(app.client().Get("/plugins/wm/api/overlays", admin()), 200)["key"];
  const std::string events = "/plugins/wm/overlay/events?key=" + overlay;
  test::SseClient live(app.port(), events);
  REQUIRE(live.wait_contains("retry: 2000"));

  const std::string id = complete_tip(app, sb, "secret words here");
  REQUIRE(live.wait_contains("\"id\":\"" + id + "\""));
  CHECK(live.count("secret words here") == 1);  // shown while not hidden

  parse(app.client().Post(("/plugins/wm/api/tips/" + id + "/hide").c_str(), admin(), json{{"hidden", true}}.dump(),
                          "application/json"),
        200);
  test::SseClient replay(app.port(), events, "Last-Event-ID: 0\r\n");
  REQUIRE(replay.wait_contains("\"id\":\"" + id + "\""));
  CHECK(replay.count("\"message\":\"\"") == 1);
  CHECK(replay.count("secret words here") == 0);

  auto history = parse(app.client().Get("/plugins/wm/api/alerts/history", admin()), 200)["alerts"];
  REQUIRE(history.size() == 1);
  CHECK(history[0]["id"] == id);
  CHECK(history[0]["message"] == "");
  auto recent = parse(app.client().Get(("/plugins/wm/overlay/recent/data?key=" + overlay).c_str()), 200)["tips"];
  REQUIRE(recent.size() == 1);
  CHECK(recent[0]["message"] == "");

  // Shown again once the streamer un-hides it.
  parse(app.client().Post(("/plugins/wm/api/tips/" + id + "/hide").c_str(), admin(), json{{"hidden", false}}.dump(),
                          "application/json"),
        200);
  auto again = parse(app.client().Get("/plugins/wm/api/alerts/history", admin()), 200)["alerts"];
  REQUIRE(again.size() == 1);
  CHECK(again[0]["message"] == "secret words here");
}
