// The whole tip flow through HTTP: an in-process App configured with the sandbox streamer wallet.
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include "openpayments/keys.h"
#include "support/app_harness.h"
#include "support/sandbox.h"
#include "support/test_support.h"

using json = nlohmann::json;
using namespace wm;

namespace {

struct TipApp {
  test::Sandbox sb{{"--wait", "0"}};
  test::TempDir dir;
  std::vector<std::string> args;
  std::unique_ptr<test::RunningApp> app;

  TipApp() {
    auto k = openpayments::PrivateKey::generate();
    REQUIRE(k);
    REQUIRE(k->write_pem_file(dir.file("key.pem")));
    sb.register_key("streamer", k->public_jwk("app-key"));
    args = {"--wallet-address", sb.wallet("streamer"), "--key-id", "app-key", "--key-file", dir.file("key.pem"),
            "--op-dev-hosts", sb.dev_host()};
    start();
  }
  void start() { app = std::make_unique<test::RunningApp>(dir.file("data"), args); }

  json post_tip(const json& body, const std::string& key = "", int* status = nullptr) {
    auto c = app->client();
    httplib::Headers h;
    if (!key.empty()) h.emplace("Idempotency-Key", key);
    auto r = c.Post("/plugins/wm/tips", h, body.dump(), "application/json");
    REQUIRE(r);
    if (status) *status = r->status;
    return json::parse(r->body);
  }

  json status(const std::string& id) {
    auto r = app->client().Get(("/plugins/wm/tips/" + id).c_str());
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return json::parse(r->body);
  }

  json wait_final(const std::string& id, int seconds = 20) {
    json s;
    for (int i = 0; i < seconds * 10; ++i) {
      s = status(id);
      const std::string st = s["status"];
      if (st != "awaiting_consent" && st != "processing") return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return s;
  }

  // The wallet's finish redirect points at our callback: GET its path and query on our server.
  httplib::Result follow(const std::string& redirect) {
    auto p = redirect.find("/plugins/wm/tips/");
    REQUIRE(p != std::string::npos);
    return app->client().Get(redirect.substr(p).c_str());
  }

  int64_t balance(const std::string& wallet) {
    return std::stoll(sb.state()["wallets"][wallet]["balance"].get<std::string>());
  }

  json body(const std::string& wallet) const {
    return json{{"senderWalletAddress", wallet},
                {"amount", {{"value", "250"}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                {"message", "hello <b>there</b>"},
                {"displayName", "Alice"}};
  }
};

}  // namespace

TEST_CASE("tip flow: create, approve in the wallet, callback, completed with one debit", "[tip][sandbox]") {
  TipApp t;
  const int64_t alice0 = t.balance("alice"), streamer0 = t.balance("streamer");
  int code = 0;
  auto created = t.post_tip(t.body(t.sb.wallet("alice")), "", &code);
  INFO(created.dump());
  REQUIRE(code == 201);
  CHECK(created["status"] == "awaiting_consent");
  const std::string id = created["id"];
  CHECK(created["quote"]["receiveAmount"]["value"] == "250");
  CHECK(created["quote"]["debitAmount"]["value"] == "254");
  CHECK(created["quote"]["expiresAt"].is_string());
  CHECK(created["consentUrl"].get<std::string>().find("http://" + t.sb.dev_host() + "/interact/") == 0);
  CHECK(created["statusUrl"].get<std::string>().find("/plugins/wm/tips/" + id) != std::string::npos);

  auto before = t.status(id);
  CHECK(before["status"] == "awaiting_consent");
  CHECK(before["message"] == "hello <b>there</b>");
  CHECK(before.dump().find("oken") == std::string::npos);

  const std::string redirect = t.sb.decide_latest("accept");
  CHECK(redirect.find("/plugins/wm/tips/" + id + "/callback?") != std::string::npos);
  auto page = t.follow(redirect);
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type").find("text/html") == 0);
  CHECK(page->body.find("owncast-wm:tip") != std::string::npos);
  CHECK(page->body.find("window.opener") != std::string::npos);
  CHECK(page->get_header_value("Content-Security-Policy").find("script-src 'nonce-") != std::string::npos);

  auto done = t.wait_final(id);
  INFO(done.dump());
  CHECK(done["status"] == "completed");
  CHECK(done["amounts"]["debitAmount"]["value"] == "254");
  CHECK(done["amounts"]["receiveAmount"]["value"] == "250");
  CHECK_FALSE(done.contains("error"));
  CHECK(t.balance("alice") == alice0 - 254);
  CHECK(t.balance("streamer") == streamer0 + 250);

  // Replaying the callback does nothing.
  auto replay = t.follow(redirect);
  REQUIRE(replay);
  CHECK(replay->status == 200);
  CHECK(replay->body.find("completed") != std::string::npos);
  CHECK(t.balance("alice") == alice0 - 254);
  auto f = t.sb.failures();
  INFO(f.dump(2));
  CHECK(f["count"] == 0);
}

TEST_CASE("tip flow: denied in the wallet", "[tip][sandbox]") {
  TipApp t;
  const int64_t alice0 = t.balance("alice");
  int code = 0;
  auto created = t.post_tip(t.body(t.sb.wallet("alice")), "", &code);
  REQUIRE(code == 201);
  auto page = t.follow(t.sb.decide_latest("reject"));
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body.find("denied") != std::string::npos);
  auto s = t.status(created["id"]);
  CHECK(s["status"] == "denied");
  CHECK(s["error"]["code"] == "denied");
  CHECK(t.balance("alice") == alice0);
}

TEST_CASE("tip flow: idempotent retry and conflicting reuse", "[tip][sandbox]") {
  TipApp t;
  int c1 = 0, c2 = 0, c3 = 0;
  auto a = t.post_tip(t.body(t.sb.wallet("alice")), "retry-1", &c1);
  auto b = t.post_tip(t.body(t.sb.wallet("alice")), "retry-1", &c2);
  CHECK(c1 == 201);
  CHECK(c2 == 200);
  CHECK(a["id"] == b["id"]);
  CHECK(a["consentUrl"] == b["consentUrl"]);
  auto other = t.body(t.sb.wallet("alice"));
  other["message"] = "different";
  auto c = t.post_tip(other, "retry-1", &c3);
  CHECK(c3 == 409);
  CHECK(c["error"]["code"] == "idempotency_key_reused");
}

TEST_CASE("tip flow: invalid and unreachable wallets, bad input", "[tip][sandbox]") {
  TipApp t;
  int code = 0;
  auto r = t.post_tip(t.body(t.sb.wallet("nosuch")), "", &code);
  CHECK(code == 400);
  CHECK(r["error"]["code"] == "invalid_wallet_address");
  r = t.post_tip(t.body("ftp://example.com/x"), "", &code);
  CHECK(code == 400);
  CHECK(r["error"]["code"] == "invalid_wallet_address");
  auto bad = t.body(t.sb.wallet("alice"));
  bad["message"] = std::string(300, 'm');
  r = t.post_tip(bad, "", &code);
  CHECK(code == 400);
  CHECK(r["error"]["code"] == "invalid_message");
  auto resp = t.app->client().Get("/plugins/wm/tips/doesnotexist");
  REQUIRE(resp);
  CHECK(resp->status == 404);
}

TEST_CASE("tip flow: a tip processing at shutdown completes after restart", "[tip][sandbox]") {
  TipApp t;
  const int64_t alice0 = t.balance("alice");
  int code = 0;
  auto created = t.post_tip(t.body(t.sb.wallet("alice")), "", &code);
  REQUIRE(code == 201);
  const std::string id = created["id"];
  const std::string redirect = t.sb.decide_latest("accept");
  auto page = t.follow(redirect);
  REQUIRE(page);
  // Stop at once: the worker may be anywhere between "processing" and "completed".
  t.app->stop();
  t.start();
  auto done = t.wait_final(id);
  CHECK(done["status"] == "completed");
  CHECK(t.balance("alice") == alice0 - 254);
}

TEST_CASE("tip flow: tips without a wallet configured answer 503", "[tip]") {
  test::TempDir dir;
  test::RunningApp app(dir.file("data"));
  auto r = app.client().Post("/plugins/wm/tips", "{}", "application/json");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(json::parse(r->body)["error"]["code"] == "not_configured");
  auto g = app.client().Get("/plugins/wm/tips/abc");
  REQUIRE(g);
  CHECK(g->status == 503);
}

TEST_CASE("tip flow: a completed tip is announced once in Owncast chat, escaped", "[tip][sandbox]") {
  // A fake Owncast that records system messages.
  httplib::Server owncast;
  std::mutex mu;
  std::vector<std::string> bodies;
  owncast.Post("/api/integrations/chat/system", [&](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") != "Bearer chat-token") {
      res.status = 401;
      return;
    }
    std::lock_guard<std::mutex> lock(mu);
    bodies.push_back(json::parse(req.body)["body"]);
    res.set_content("{\"success\":true,\"message\":\"sent\"}\n", "application/json");
  });
  int port = owncast.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { owncast.listen_after_bind(); });

  {
    TipApp t;
    t.app.reset();
    t.args.insert(t.args.end(), {"--owncast-url", "http://127.0.0.1:" + std::to_string(port), "--owncast-token",
                                 "chat-token", "--owncast-reconcile", "0"});
    t.start();
    auto created = t.post_tip(t.body(t.sb.wallet("alice")));
    const std::string id = created["id"];
    auto page = t.follow(t.sb.decide_latest("accept"));
    REQUIRE(page);
    REQUIRE(t.wait_final(id)["status"] == "completed");
    bool announced = false;
    for (int i = 0; i < 300 && !announced; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        announced = !bodies.empty();
      }
      if (!announced) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(announced);
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(bodies.size() == 1);
    CHECK(bodies[0].find("Alice") != std::string::npos);
    CHECK(bodies[0].find("2.50 EUR") != std::string::npos);
    CHECK(bodies[0].find("<b>") == std::string::npos);  // the viewer's markup is escaped
  }
  owncast.stop();
  serving.join();
}
