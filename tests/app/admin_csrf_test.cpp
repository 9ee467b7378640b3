// CSRF rule for admin writes (issue 11, finding 6): JSON only, same origin only, for sessions
// and HTTP Basic alike.
#include <catch2/catch.hpp>

#include "support/app_harness.h"
#include "support/test_support.h"

using json = nlohmann::json;
using wm::test::basic_auth;
using wm::test::RunningApp;
using wm::test::TempDir;

namespace {

const char* kPassword = "correct horse battery";

std::string announce_min(RunningApp& app) {
  auto r = app.client().Get("/plugins/wm/api/settings", {{"Authorization", basic_auth(kPassword)}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto v = json::parse(r->body)["settings"]["announce-min"]["value"];
  return v.is_string() ? v.get<std::string>() : "";
}

std::string code(const httplib::Result& r, int expect) {
  REQUIRE(r);
  INFO(r->status << " " << r->body);
  REQUIRE(r->status == expect);
  return json::parse(r->body)["error"]["code"];
}

}  // namespace

TEST_CASE("csrf: a Basic-auth text/plain PUT from a foreign Origin is refused and not applied") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto c = app.client();
  const std::string body = json{{"announce-min", "7"}}.dump();
  httplib::Headers evil{{"Authorization", basic_auth(kPassword)}, {"Origin", "http://evil.example"}};
  CHECK(code(c.Put("/plugins/wm/api/settings", evil, body, "text/plain"), 403) == "cross_origin");
  CHECK(code(c.Put("/plugins/wm/api/settings", evil, body, "application/json"), 403) == "cross_origin");
  httplib::Headers fetch_meta{{"Authorization", basic_auth(kPassword)}, {"Sec-Fetch-Site", "cross-site"}};
  CHECK(code(c.Put("/plugins/wm/api/settings", fetch_meta, body, "application/json"), 403) == "cross_origin");
  httplib::Headers null_origin{{"Authorization", basic_auth(kPassword)}, {"Origin", "null"}};
  CHECK(code(c.Put("/plugins/wm/api/settings", null_origin, body, "application/json"), 403) == "cross_origin");
  // Same origin but not JSON: a form post cannot send application/json.
  httplib::Headers basic{{"Authorization", basic_auth(kPassword)}};
  CHECK(code(c.Put("/plugins/wm/api/settings", basic, body, "text/plain"), 415) == "unsupported_media_type");
  CHECK(code(c.Post("/plugins/wm/tiers", basic, "{}", "application/x-www-form-urlencoded"), 415) ==
        "unsupported_media_type");
  CHECK(announce_min(app).empty());
  // Scripts (no Origin) and the page's own origin with JSON still work.
  auto ok = c.Put("/plugins/wm/api/settings", basic, body, "application/json; charset=utf-8");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(announce_min(app) == "7");
  httplib::Headers own{{"Authorization", basic_auth(kPassword)},
                       {"Origin", "http://127.0.0.1:" + std::to_string(app.port())},
                       {"Sec-Fetch-Site", "same-origin"}};
  auto own_ok = c.Put("/plugins/wm/api/settings", own, json{{"announce-min", "8"}}.dump(), "application/json");
  REQUIRE(own_ok);
  CHECK(own_ok->status == 200);
  CHECK(announce_min(app) == "8");
}

TEST_CASE("csrf: sessions get the same rule; bodiless posts need no Content-Type") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword, "--public-url", "https://tips.example.net"});
  auto c = app.client();
  auto login = c.Post("/plugins/wm/admin/login", json{{"password", kPassword}}.dump(), "application/json");
  REQUIRE(login);
  REQUIRE(login->status == 200);
  std::string set = login->get_header_value("Set-Cookie");
  const std::string cookie = set.substr(0, set.find(';'));
  const std::string csrf = json::parse(login->body)["csrfToken"];
  auto with = [&](const std::string& origin) {
    return httplib::Headers{{"Cookie", cookie}, {"X-CSRF-Token", csrf}, {"Origin", origin}};
  };
  const std::string body = json{{"announce-min", "3"}}.dump();
  CHECK(code(c.Put("/plugins/wm/api/settings", with("https://evil.example"), body, "application/json"), 403) ==
        "cross_origin");
  CHECK(code(c.Put("/plugins/wm/api/settings", with("https://tips.example.net"), body, "text/plain"), 415) ==
        "unsupported_media_type");
  // --public-url's origin is ours even when a proxy rewrote Host.
  auto ok = c.Put("/plugins/wm/api/settings", with("https://tips.example.net"), body, "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  // A bodiless POST: refused with a non-JSON Content-Type, accepted without one.
  CHECK(code(c.Post("/plugins/wm/admin/logout", with("https://tips.example.net"), "", "text/plain"), 415) ==
        "unsupported_media_type");
  auto out = c.Post("/plugins/wm/admin/logout", with("https://tips.example.net"));
  REQUIRE(out);
  CHECK(out->status == 204);
}
