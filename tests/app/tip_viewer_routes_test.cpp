// Over real HTTP with the sandbox: cancelling an abandoned tip (DELETE /plugins/wm/tips/{id}) by
// the viewer session or Idempotency-Key that created it, the owncastUserId hint in the admin's tip
// list and CSV, and the sentences the streamer reads in the guided setup.
#include <catch2/catch.hpp>

#include "openpayments/keys.h"
#include "support/app_harness.h"
#include "support/sandbox.h"
#include "support/test_support.h"

using json = nlohmann::json;
using namespace wm;

namespace {

const char* kPassword = "correct horse battery";

struct App {
  test::Sandbox sb{{"--wait", "0"}};
  test::TempDir dir;
  std::unique_ptr<test::RunningApp> app;
  httplib::Headers admin{{"Authorization", test::basic_auth(kPassword)}};

  explicit App(bool with_key = true) {
    std::vector<std::string> args{"--admin-password", kPassword, "--op-dev-hosts", sb.dev_host()};
    if (with_key) {
      auto k = openpayments::PrivateKey::generate();
      REQUIRE(k);
      REQUIRE(k->write_pem_file(dir.file("key.pem")));
      sb.register_key("streamer", k->public_jwk("app-key"));
      args.insert(args.end(), {"--wallet-address", sb.wallet("streamer"), "--key-id", "app-key", "--key-file",
                               dir.file("key.pem")});
    }
    app = std::make_unique<test::RunningApp>(dir.file("data"), args);
  }

  json tip_body() const {
    return json{{"senderWalletAddress", sb.wallet("alice")},
                {"amount", {{"value", "250"}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                {"displayName", "Alice"}};
  }

  httplib::Result post_tip(const json& body, const httplib::Headers& h = {}) {
    return app->client().Post("/plugins/wm/tips", h, body.dump(), "application/json");
  }

  std::string viewer_session() {
    auto r = app->client().Post("/plugins/wm/viewer-session", json{{"walletAddress", sb.wallet("alice")}}.dump(),
                                "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 201);
    return json::parse(r->body)["id"];
  }

  httplib::Result cancel(const std::string& id, const httplib::Headers& h) {
    return app->client().Delete(("/plugins/wm/tips/" + id).c_str(), h);
  }

  std::string status(const std::string& id) {
    auto r = app->client().Get(("/plugins/wm/tips/" + id).c_str());
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return json::parse(r->body)["status"];
  }
};

json parse(const httplib::Result& r, int expect) {
  REQUIRE(r);
  INFO(r->status << " " << r->body);
  REQUIRE(r->status == expect);
  return r->body.empty() ? json() : json::parse(r->body);
}

std::vector<std::string> ids(const json& page) {
  std::vector<std::string> out;
  for (const auto& t : page["tips"]) out.push_back(t["id"]);
  return out;
}

}  // namespace

TEST_CASE("app: DELETE /plugins/wm/tips/{id} cancels for the creator's viewer session only", "[app][sandbox]") {
  App a;
  const std::string mine = a.viewer_session(), other = a.viewer_session();
  // Created with the session in the header: that header cancels it; another session cannot.
  const std::string id = parse(a.post_tip(a.tip_body(), {{"X-Viewer-Session", mine}}), 201)["id"];
  auto denied = parse(a.cancel(id, {{"X-Viewer-Session", other}}), 403);
  CHECK(denied["error"]["code"] == "not_creator");
  CHECK_FALSE(denied["error"]["message"].get<std::string>().empty());
  parse(a.cancel(id, {}), 403);
  parse(a.cancel(id, {{"Idempotency-Key", mine}}), 403);  // a session id is not a key
  CHECK(a.status(id) == "awaiting_consent");
  auto done = a.cancel(id, {{"X-Viewer-Session", mine}});
  parse(done, 204);
  CHECK(done->body.empty());
  CHECK(a.status(id) == "cancelled");
  CHECK(parse(a.cancel(id, {{"X-Viewer-Session", mine}}), 409)["error"]["code"] == "not_cancellable");
  CHECK(parse(a.cancel("tunknowntip", {{"X-Viewer-Session", mine}}), 404)["error"]["code"] == "not_found");

  // Created with the wm_viewer cookie (what the widget's browser sends): the cookie cancels it.
  const std::string id2 = parse(a.post_tip(a.tip_body(), {{"Cookie", "x=1; wm_viewer=" + mine}}), 201)["id"];
  parse(a.cancel(id2, {{"Cookie", "wm_viewer=" + other}}), 403);
  parse(a.cancel(id2, {{"Cookie", "wm_viewer=" + mine}}), 204);

  // A session id the server never issued identifies nobody.
  const std::string id3 = parse(a.post_tip(a.tip_body(), {{"X-Viewer-Session", "made-up-session-id"}}), 201)["id"];
  parse(a.cancel(id3, {{"X-Viewer-Session", "made-up-session-id"}}), 403);
}

TEST_CASE("app: the Idempotency-Key that created a tip cancels it; the admin list hides it unless asked",
          "[app][sandbox]") {
  App a;
  const std::string id = parse(a.post_tip(a.tip_body(), {{"Idempotency-Key", "review-1"}}), 201)["id"];
  auto kept = a.tip_body();
  kept["amount"]["value"] = "300";
  const std::string id2 = parse(a.post_tip(kept, {{"Idempotency-Key", "review-2"}}), 201)["id"];
  parse(a.cancel(id, {{"Idempotency-Key", "review-2"}}), 403);
  parse(a.cancel(id, {{"Idempotency-Key", "review-1"}}), 204);
  CHECK(a.status(id) == "cancelled");
  auto c = a.app->client();
  CHECK(ids(parse(c.Get("/plugins/wm/api/tips", a.admin), 200)) == std::vector<std::string>{id2});
  CHECK(ids(parse(c.Get("/plugins/wm/api/tips?status=cancelled", a.admin), 200)) == std::vector<std::string>{id});
  CHECK(ids(parse(c.Get("/plugins/wm/api/tips?status=all", a.admin), 200)).size() == 2);
  auto csv = c.Get("/plugins/wm/api/tips?format=csv", a.admin);
  REQUIRE(csv);
  CHECK(csv->body.find(id) == std::string::npos);
  CHECK(csv->body.find(id2) != std::string::npos);
}

TEST_CASE("app: owncastUserId is stored, listed for the admin and exported, never public", "[app][sandbox]") {
  App a;
  auto body = a.tip_body();
  body["owncastUserId"] = "owncast-7f3a";
  const std::string id = parse(a.post_tip(body), 201)["id"];
  auto c = a.app->client();
  auto list = parse(c.Get("/plugins/wm/api/tips", a.admin), 200);
  REQUIRE(list["tips"].size() == 1);
  CHECK(list["tips"][0]["owncastUserId"] == "owncast-7f3a");
  auto csv = c.Get("/plugins/wm/api/tips?format=csv", a.admin);
  REQUIRE(csv);
  CHECK(csv->body.substr(0, csv->body.find("\r\n")).ends_with(",owncastUserId"));
  CHECK(csv->body.find(",owncast-7f3a\r\n") != std::string::npos);
  CHECK(parse(c.Get(("/plugins/wm/tips/" + id).c_str()), 200).dump().find("owncast-7f3a") == std::string::npos);
  body["owncastUserId"] = std::string(65, 'u');
  auto bad = parse(a.post_tip(body), 400);
  CHECK(bad["error"]["code"] == "invalid_owncast_user_id");
  CHECK(bad["error"]["message"].get<std::string>().find("owncastUserId") != std::string::npos);
}

TEST_CASE("app: the guided setup answers a mistyped wallet and an unknown key with what to do", "[app][sandbox]") {
  App a(false);
  auto c = a.app->client();
  const std::string typed = a.sb.base() + "/streamr";
  auto w = parse(c.Post("/plugins/wm/api/setup/wallet", a.admin, json{{"walletAddress", typed}}.dump(),
                        "application/json"),
                 400);
  const std::string wm = w["error"]["message"];
  CHECK(wm.rfind("We couldn't find that wallet address. Check the spelling", 0) == 0);
  CHECK(wm.find("HTTP") == std::string::npos);
  CHECK(wm.find(typed) == std::string::npos);
  auto dns = parse(c.Post("/plugins/wm/api/setup/wallet", a.admin,
                          json{{"walletAddress", "https://wallet.invalid/streamer"}}.dump(), "application/json"),
                   400);
  CHECK(dns["error"]["message"].get<std::string>().find("resolve") == std::string::npos);

  parse(c.Post("/plugins/wm/api/setup/wallet", a.admin, json{{"walletAddress", a.sb.wallet("streamer")}}.dump(),
               "application/json"),
        200);
  parse(c.Post("/plugins/wm/api/setup/key", a.admin, json{{"generate", true}, {"keyId", "k1"}}.dump(),
               "application/json"),
        200);
  auto t = parse(c.Post("/plugins/wm/api/setup/key/test", a.admin, "{}", "application/json"), 200);
  CHECK(t["ok"] == false);
  CHECK(t["error"]["code"] == "invalid_client");
  CHECK(t["error"]["message"] ==
        "The wallet doesn't know this key yet: upload the public key shown above in your wallet's developer "
        "settings, then press Test.");
}
