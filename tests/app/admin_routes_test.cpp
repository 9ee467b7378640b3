// The admin API over real HTTP: first-run setup link, login sessions with CSRF, rate limits,
// settings pinned by flags, the guided setup against the Open Payments sandbox, Owncast
// connection against a fake Owncast, tips listing/CSV, analytics and the public leaderboard.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "openpayments/keys.h"
#include "support/app_harness.h"
#include "support/fake_owncast.h"
#include "support/sandbox.h"
#include "support/test_support.h"

using json = nlohmann::json;
using wm::test::basic_auth;
using wm::test::RunningApp;
using wm::test::TempDir;

namespace {

const char* kPassword = "correct horse battery";

// A logged-in browser: the session cookie and the CSRF token.
struct Browser {
  std::string cookie;
  std::string csrf;
  httplib::Headers headers(bool with_csrf = true) const {
    httplib::Headers h{{"Cookie", cookie}};
    if (with_csrf) h.emplace("X-CSRF-Token", csrf);
    return h;
  }
};

std::string cookie_of(const httplib::Response& r) {
  std::string set = r.get_header_value("Set-Cookie");
  return set.substr(0, set.find(';'));
}

Browser login(RunningApp& app, const std::string& password = kPassword) {
  auto r = app.client().Post("/plugins/wm/admin/login", json{{"password", password}}.dump(), "application/json");
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  return {cookie_of(*r), json::parse(r->body)["csrfToken"]};
}

json parse(const httplib::Result& r, int expect) {
  REQUIRE(r);
  INFO(r->status << " " << r->body);
  REQUIRE(r->status == expect);
  return r->body.empty() ? json() : json::parse(r->body);
}

std::string setup_token(RunningApp& app) {
  const std::string url = app.app().setup_url();
  const auto p = url.find("#setup=");
  REQUIRE(p != std::string::npos);
  return url.substr(p + 7);
}

}  // namespace

TEST_CASE("app: first start without a password offers a one-time setup link") {
  TempDir dir;
  RunningApp app(dir.path());
  auto c = app.client();
  auto s = parse(c.Get("/plugins/wm/admin/session"), 200);
  CHECK(s["passwordSet"] == false);
  CHECK(s["authenticated"] == false);
  const std::string token = setup_token(app);
  CHECK(token.size() >= 40);

  // A weak password is refused and does not burn the token.
  auto weak = parse(c.Post("/plugins/wm/admin/setup", json{{"token", token}, {"password", "short"}}.dump(),
                           "application/json"),
                    400);
  CHECK(weak["error"]["code"] == "weak_password");
  auto wrong = parse(c.Post("/plugins/wm/admin/setup", json{{"token", "x" + token}, {"password", kPassword}}.dump(),
                            "application/json"),
                     403);
  CHECK(wrong["error"]["code"] == "setup_token_invalid");

  auto ok = c.Post("/plugins/wm/admin/setup", json{{"token", token}, {"password", kPassword}}.dump(),
                   "application/json");
  auto body = parse(ok, 200);
  CHECK(ok->get_header_value("Set-Cookie").find("HttpOnly") != std::string::npos);
  CHECK(ok->get_header_value("Set-Cookie").find("SameSite=Strict") != std::string::npos);
  Browser b{cookie_of(*ok), body["csrfToken"]};
  auto after = parse(c.Get("/plugins/wm/admin/session", b.headers(false)), 200);
  CHECK(after["authenticated"] == true);
  CHECK(after["passwordSet"] == true);
  CHECK(after["csrfToken"] == b.csrf);
  CHECK(app.app().setup_url().empty());

  // Single use: the same link cannot set a password again.
  auto again = parse(c.Post("/plugins/wm/admin/setup", json{{"token", token}, {"password", "another long one"}}.dump(),
                            "application/json"),
                     409);
  CHECK(again["error"]["code"] == "password_already_set");
  // The new password works for scripts (HTTP Basic) too.
  parse(c.Get("/plugins/wm/api/settings", {{"Authorization", basic_auth(kPassword)}}), 200);
}

TEST_CASE("app: the password set through the link survives a restart; the link does not") {
  TempDir dir;
  {
    RunningApp app(dir.path());
    const std::string token = setup_token(app);
    parse(app.client().Post("/plugins/wm/admin/setup", json{{"token", token}, {"password", kPassword}}.dump(),
                            "application/json"),
          200);
  }
  RunningApp app(dir.path());
  CHECK(app.app().setup_url().empty());
  login(app);
}

TEST_CASE("app: login sets a session cookie and admin security headers") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto c = app.client();
  auto bad = parse(c.Post("/plugins/wm/admin/login", json{{"password", "nope"}}.dump(), "application/json"), 401);
  CHECK(bad["error"]["code"] == "invalid_credentials");
  Browser b = login(app);
  auto r = c.Get("/plugins/wm/api/settings", b.headers(false));
  parse(r, 200);
  CHECK(r->get_header_value("X-Frame-Options") == "DENY");
  CHECK(r->get_header_value("Referrer-Policy") == "no-referrer");
  CHECK(r->get_header_value("Cache-Control") == "no-store");
  CHECK(r->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'") != std::string::npos);
  auto page = c.Get("/plugins/wm/admin");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("X-Frame-Options") == "DENY");
  CHECK(page->get_header_value("Content-Security-Policy").find("script-src 'self'") != std::string::npos);
}

TEST_CASE("app: state-changing admin requests need the CSRF token") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto c = app.client();
  Browser b = login(app);
  const std::string body = json{{"announce-min", "2"}}.dump();
  auto none = parse(c.Put("/plugins/wm/api/settings", b.headers(false), body, "application/json"), 403);
  CHECK(none["error"]["code"] == "csrf_failed");
  httplib::Headers wrong{{"Cookie", b.cookie}, {"X-CSRF-Token", "forged"}};
  parse(c.Put("/plugins/wm/api/settings", wrong, body, "application/json"), 403);
  auto ok = parse(c.Put("/plugins/wm/api/settings", b.headers(), body, "application/json"), 200);
  CHECK(ok["settings"]["announce-min"]["value"] == "2");
  // GET needs no token.
  parse(c.Get("/plugins/wm/api/settings", b.headers(false)), 200);
}

TEST_CASE("app: logout ends the session") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto c = app.client();
  Browser b = login(app);
  parse(c.Post("/plugins/wm/admin/logout", b.headers(), "", "application/json"), 204);
  auto r = parse(c.Get("/plugins/wm/api/settings", b.headers(false)), 401);
  CHECK(r["error"]["code"] == "unauthorized");
  CHECK(parse(c.Get("/plugins/wm/admin/session", b.headers(false)), 200)["authenticated"] == false);
}

TEST_CASE("app: repeated wrong logins from one address are rate limited") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto c = app.client();
  int limited = 0;
  std::string retry;
  for (int i = 0; i < 12 && !limited; ++i) {
    auto r = c.Post("/plugins/wm/admin/login", json{{"password", "wrong"}}.dump(), "application/json");
    REQUIRE(r);
    if (r->status == 429) {
      ++limited;
      retry = r->get_header_value("Retry-After");
      CHECK(json::parse(r->body)["error"]["code"] == "rate_limited");
    } else {
      CHECK(r->status == 401);
    }
  }
  CHECK(limited == 1);
  CHECK(std::stoi(retry) >= 1);
  // While limited even the right password is refused.
  auto r = c.Post("/plugins/wm/admin/login", json{{"password", kPassword}}.dump(), "application/json");
  REQUIRE(r);
  CHECK(r->status == 429);
}

TEST_CASE("app: wrong HTTP Basic passwords count toward the same per-address backoff") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto c = app.client();
  httplib::Headers wrong{{"Authorization", basic_auth("wrong")}};
  httplib::Headers right{{"Authorization", basic_auth(kPassword)}};
  // A success forgets earlier failures, as a login does.
  for (int i = 0; i < 3; ++i) CHECK(c.Get("/plugins/wm/api/settings", wrong)->status == 401);
  CHECK(c.Get("/plugins/wm/api/settings", right)->status == 200);
  int unauthorized = 0;
  int status = 0;
  std::string body, retry;
  for (int i = 0; i < 12 && status != 429; ++i) {
    auto r = c.Get("/plugins/wm/api/settings", wrong);
    REQUIRE(r);
    status = r->status;
    body = r->body;
    retry = r->get_header_value("Retry-After");
    if (status == 401) ++unauthorized;
  }
  CHECK(unauthorized == 6);  // 5 free failures; the 6th starts the backoff, the 7th waits
  CHECK(status == 429);
  CHECK(json::parse(body)["error"]["code"] == "rate_limited");
  CHECK(std::stoi(retry) >= 1);
  // While limited the right password is refused too, without hashing, and so is the login form.
  CHECK(c.Get("/plugins/wm/api/settings", right)->status == 429);
  auto login = c.Post("/plugins/wm/admin/login", json{{"password", kPassword}}.dump(), "application/json");
  REQUIRE(login);
  CHECK(login->status == 429);
}

TEST_CASE("app: the currency-display setting turns amounts into symbols in tiers and previews") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto c = app.client();
  httplib::Headers h{{"Authorization", basic_auth(kPassword)}};
  auto tiers = parse(c.Get("/plugins/wm/overlay/tip-tiers"), 200);
  CHECK(tiers["currencyDisplay"] == "code");
  CHECK(tiers["tiers"][0]["display"].get<std::string>().find(" EUR") != std::string::npos);

  auto bad = parse(c.Put("/plugins/wm/api/settings", h, json{{"currency-display", "emoji"}}.dump(), "application/json"), 400);
  CHECK(bad["error"]["message"].get<std::string>().find("currency-display") != std::string::npos);
  auto ok = parse(c.Put("/plugins/wm/api/settings", h, json{{"currency-display", "symbol"}}.dump(), "application/json"), 200);
  CHECK(ok["settings"]["currency-display"]["value"] == "symbol");

  tiers = parse(c.Get("/plugins/wm/overlay/tip-tiers"), 200);
  CHECK(tiers["currencyDisplay"] == "symbol");
  for (const auto& t : tiers["tiers"]) {
    INFO(t.dump());
    CHECK(t["display"].get<std::string>().rfind("€", 0) == 0);
    CHECK(t["amount"]["assetCode"] == "EUR");  // the amounts themselves never change
  }
  auto suggest = parse(c.Get("/plugins/wm/tiers/suggest?theme=space"), 200);
  CHECK(suggest["tiers"][0]["display"].get<std::string>().rfind("€", 0) == 0);
  auto preview = parse(c.Post("/plugins/wm/api/announce/preview", h, json{{"template", "{amount}"}}.dump(),
                              "application/json"), 200);
  CHECK(preview["text"] == "€5.00");
}

TEST_CASE("app: settings pinned by flags are read-only and secrets are never returned") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword, "--owncast-url", "http://127.0.0.1:9",
                              "--owncast-token", "very-secret-token", "--owncast-reconcile", "0"});
  auto c = app.client();
  httplib::Headers h{{"Authorization", basic_auth(kPassword)}};
  auto r = c.Get("/plugins/wm/api/settings", h);
  auto s = parse(r, 200);
  CHECK(r->body.find("very-secret-token") == std::string::npos);
  CHECK(s["settings"]["owncast-token"]["set"] == true);
  CHECK(s["settings"]["owncast-token"]["pinned"] == true);
  CHECK_FALSE(s["settings"]["owncast-token"].contains("value"));
  CHECK(s["settings"]["owncast-url"]["source"] == "flag --owncast-url");
  CHECK(s["settings"]["tip-min"]["source"] == "default");
  auto pinned = parse(c.Put("/plugins/wm/api/settings", h, json{{"owncast-url", "http://x.example"}}.dump(),
                            "application/json"),
                      409);
  CHECK(pinned["error"]["code"] == "pinned");
  auto bad = parse(c.Put("/plugins/wm/api/settings", h, json{{"announce-template", "{nope}"}}.dump(),
                         "application/json"),
                   400);
  CHECK(bad["error"]["message"].get<std::string>().find("announce-template") != std::string::npos);
  auto unknown = parse(c.Put("/plugins/wm/api/settings", h, json{{"listen", "0.0.0.0:1"}}.dump(), "application/json"), 400);
  CHECK(unknown["error"]["code"] == "invalid_setting");
  // A rejected batch changes nothing.
  parse(c.Put("/plugins/wm/api/settings", h, json{{"tip-max", "50"}, {"tip-min", "x"}}.dump(), "application/json"),
        400);
  CHECK(parse(c.Get("/plugins/wm/api/settings", h), 200)["settings"]["tip-max"]["value"] == "");
}

TEST_CASE("app: stored settings survive a restart") {
  TempDir dir;
  {
    RunningApp app(dir.path(), {"--admin-password", kPassword});
    parse(app.client().Put("/plugins/wm/api/settings", {{"Authorization", basic_auth(kPassword)}},
                           json{{"announce-template", "{name} sent {amount}"}, {"anonymous-tips", false}}.dump(),
                           "application/json"),
          200);
  }
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto s = parse(app.client().Get("/plugins/wm/api/settings", {{"Authorization", basic_auth(kPassword)}}), 200);
  CHECK(s["settings"]["announce-template"]["value"] == "{name} sent {amount}");
  CHECK(s["settings"]["announce-template"]["source"] == "admin");
  CHECK(s["settings"]["anonymous-tips"]["value"] == false);
}

TEST_CASE("app: the announcement preview renders the template with escaped sample values") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  httplib::Headers h{{"Authorization", basic_auth(kPassword)}};
  auto c = app.client();
  auto p = parse(c.Post("/plugins/wm/api/announce/preview", h, json{{"template", "{name} gave {amount}!"}}.dump(),
                        "application/json"),
                 200);
  CHECK(p["text"] == "Ann gave 5.00 EUR!");
  auto bad = parse(c.Post("/plugins/wm/api/announce/preview", h, json{{"template", "{who}"}}.dump(), "application/json"),
                   400);
  CHECK(bad["error"]["code"] == "invalid_template");
}

TEST_CASE("app: Connect registers our webhook, token and External Action in Owncast once") {
  wm::test::FakeOwncast::Options fo;
  fo.admin_password = "owncast-admin-pw";
  wm::test::FakeOwncast owncast(fo);
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword, "--owncast-reconcile", "0"});
  httplib::Headers h{{"Authorization", basic_auth(kPassword)}};
  auto c = app.client();
  const json body{{"url", owncast.url()}, {"adminPassword", "owncast-admin-pw"}};

  auto wrong = parse(c.Post("/plugins/wm/api/owncast/connect", h,
                            json{{"url", owncast.url()}, {"adminPassword", "nope"}}.dump(), "application/json"),
                     400);
  CHECK(wrong["error"]["code"] == "owncast_unauthorized");

  auto first = parse(c.Post("/plugins/wm/api/owncast/connect", h, body.dump(), "application/json"), 200);
  CHECK(first["webhook"]["created"] == true);
  CHECK(first["accessToken"]["created"] == true);
  auto second = parse(c.Post("/plugins/wm/api/owncast/connect", h, body.dump(), "application/json"), 200);
  CHECK(second["webhook"]["created"] == false);
  CHECK(second["accessToken"]["created"] == false);
  CHECK(second["externalAction"]["created"] == false);

  auto hooks = owncast.webhooks();
  REQUIRE(hooks.size() == 1);
  CHECK(hooks[0].url == app.app().webhook_urls()[0]);
  CHECK(owncast.external_actions().size() == 1);

  // The token Owncast issued is now our setting (never shown) and the test passes with it.
  auto s = parse(c.Get("/plugins/wm/api/settings", h), 200);
  CHECK(s["settings"]["owncast-token"]["set"] == true);
  CHECK(s["settings"]["owncast-url"]["value"] == owncast.url());
  auto t = parse(c.Post("/plugins/wm/api/owncast/test", h, "{}", "application/json"), 200);
  CHECK(t["ok"] == true);
  CHECK(t["scopes"]["HAS_ADMIN_ACCESS"] == true);
  CHECK(t["scopes"]["CAN_SEND_SYSTEM_MESSAGES"] == true);
}

TEST_CASE("app: the Owncast test reports a token without the needed scopes") {
  wm::test::FakeOwncast::Options fo;
  fo.admin_password = "owncast-admin-pw";
  wm::test::FakeOwncast owncast(fo);
  const std::string token = owncast.add_token("weak", {"CAN_SEND_MESSAGES"});
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword, "--owncast-reconcile", "0"});
  auto t = parse(app.client().Post("/plugins/wm/api/owncast/test", {{"Authorization", basic_auth(kPassword)}},
                                   json{{"url", owncast.url()}, {"token", token}}.dump(), "application/json"),
                 200);
  CHECK(t["ok"] == false);
  CHECK(t["scopes"]["CAN_SEND_MESSAGES"] == true);
  CHECK(t["scopes"]["HAS_ADMIN_ACCESS"] == false);
  CHECK(t["scopes"]["CAN_SEND_SYSTEM_MESSAGES"] == false);
  CHECK_FALSE(t["version"].get<std::string>().empty());
  // A failing token is not saved; the URL of the Owncast that answered is.
  auto s = parse(app.client().Get("/plugins/wm/api/settings", {{"Authorization", basic_auth(kPassword)}}), 200);
  CHECK(s["settings"]["owncast-token"]["set"] == false);
  CHECK(s["settings"]["owncast-url"]["value"] == owncast.url());
}

TEST_CASE("app: guided setup configures tips at run time; tips list, CSV, analytics, leaderboard") {
  wm::test::Sandbox sb{{"--wait", "0"}};
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword, "--op-dev-hosts", sb.dev_host()});
  httplib::Headers h{{"Authorization", basic_auth(kPassword)}};
  auto c = app.client();

  // Before setup the tip API says it is not configured.
  const json tip{{"senderWalletAddress", sb.wallet("alice")},
                 {"amount", {{"value", "250"}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                 {"message", "=HYPERLINK(\"http://x\")"},
                 {"displayName", "Alice"}};
  parse(c.Post("/plugins/wm/tips", tip.dump(), "application/json"), 503);

  auto bad_wallet = parse(c.Post("/plugins/wm/api/setup/wallet", h,
                                 json{{"walletAddress", sb.base() + "/no-such-wallet"}}.dump(), "application/json"),
                          400);
  CHECK(bad_wallet["error"]["code"] == "wallet_unreachable");
  auto w = parse(c.Post("/plugins/wm/api/setup/wallet", h, json{{"walletAddress", sb.wallet("streamer")}}.dump(),
                        "application/json"),
                 200);
  CHECK(w["assetCode"] == "EUR");
  CHECK(w["assetScale"] == 2);
  CHECK_FALSE(w["publicName"].is_null());

  auto k = parse(c.Post("/plugins/wm/api/setup/key", h, json{{"generate", true}, {"keyId", "admin-key"}}.dump(),
                        "application/json"),
                 200);
  CHECK(k["jwk"]["kty"] == "OKP");
  CHECK(k["jwk"]["kid"] == "admin-key");
  CHECK_FALSE(k["jwk"].contains("d"));  // never the private part
  // Not yet uploaded to the wallet: the test says what the wallet complained about.
  auto refused = parse(c.Post("/plugins/wm/api/setup/key/test", h, "{}", "application/json"), 200);
  CHECK(refused["ok"] == false);
  CHECK_FALSE(refused["error"]["message"].get<std::string>().empty());
  auto state = parse(c.Get("/plugins/wm/api/setup/state", h), 200);
  CHECK(state["wallet"]["id"] == sb.wallet("streamer"));
  CHECK(state["wallet"]["assetCode"] == "EUR");
  CHECK(state["wallet"]["checkedAt"].is_string());
  CHECK(state["key"]["keyId"] == "admin-key");
  CHECK(state["key"]["jwk"] == k["jwk"]);
  CHECK(state["keyTest"]["ok"] == false);
  CHECK(state["keyTest"]["message"] == refused["error"]["message"]);
  sb.register_key("streamer", k["jwk"]);
  auto tested = parse(c.Post("/plugins/wm/api/setup/key/test", h, "{}", "application/json"), 200);
  INFO(tested.dump());
  CHECK(tested["ok"] == true);
  state = parse(c.Get("/plugins/wm/api/setup/state", h), 200);
  CHECK(state["keyTest"]["ok"] == true);
  CHECK(state["keyTest"]["testedAt"].is_string());
  CHECK_FALSE(state["keyTest"].contains("x"));

  // Tips work now, without a restart.
  auto created = parse(c.Post("/plugins/wm/tips", tip.dump(), "application/json"), 201);
  const std::string id = created["id"];
  const std::string redirect = sb.decide_latest("accept");
  auto cb = c.Get(redirect.substr(redirect.find("/plugins/wm/tips/")).c_str());
  REQUIRE(cb);
  json st;
  for (int i = 0; i < 200; ++i) {
    st = parse(c.Get(("/plugins/wm/tips/" + id).c_str()), 200);
    if (st["status"] != "processing" && st["status"] != "awaiting_consent") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(st["status"] == "completed");

  auto list = parse(c.Get("/plugins/wm/api/tips?status=completed", h), 200);
  REQUIRE(list["tips"].size() == 1);
  CHECK(list["tips"][0]["id"] == id);
  CHECK(list["tips"][0]["hidden"] == false);
  CHECK(parse(c.Get("/plugins/wm/api/tips?status=failed", h), 200)["tips"].empty());

  auto csv = c.Get("/plugins/wm/api/tips?format=csv", h);
  REQUIRE(csv);
  CHECK(csv->status == 200);
  CHECK(csv->get_header_value("Content-Type").find("text/csv") == 0);
  CHECK(csv->body.find(id) != std::string::npos);
  CHECK(csv->body.find(",=HYPERLINK") == std::string::npos);  // neutralised
  CHECK(csv->body.find("'=HYPERLINK") != std::string::npos);

  for (int i = 0; i < 100; ++i) {  // the support event is recorded right after completion
    auto s = parse(c.Get("/plugins/wm/analytics/summary?timeframe=last_24h", h), 200);
    if (s["tipCount"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto sum = parse(c.Get("/plugins/wm/analytics/summary?timeframe=last_24h", h), 200);
  CHECK(sum["tipCount"] == 1);
  CHECK(sum["uniqueSupporters"] == 1);
  REQUIRE(sum["totals"].size() == 1);
  CHECK(sum["totals"][0]["assetCode"] == "EUR");
  CHECK(sum["totals"][0]["value"] == "250");
  parse(c.Get("/plugins/wm/analytics/summary?timeframe=forever", h), 400);
  parse(c.Get("/plugins/wm/analytics/summary?timeframe=last_24h"), 401);

  auto board = c.Get("/plugins/wm/leaderboard?period=all");
  auto lb = parse(board, 200);
  CHECK(board->body.find(sb.wallet("alice")) == std::string::npos);
  REQUIRE(lb["assets"].size() == 1);
  CHECK(lb["assets"][0]["supporters"][0]["name"] == "Alice");

  auto hidden = parse(c.Post(("/plugins/wm/api/tips/" + id + "/hide").c_str(), h, json{{"hidden", true}}.dump(),
                             "application/json"),
                      200);
  CHECK(hidden["hidden"] == true);
  CHECK(parse(c.Get("/plugins/wm/api/tips", h), 200)["tips"][0]["hidden"] == true);
  parse(c.Post("/plugins/wm/api/tips/nope/hide", h, json{{"hidden", true}}.dump(), "application/json"), 404);
  // No Owncast connected: a resend says so instead of pretending.
  auto resend = parse(c.Post(("/plugins/wm/api/tips/" + id + "/announce").c_str(), h, "", "application/json"), 409);
  CHECK(resend["error"]["code"] == "not_configured");
}
