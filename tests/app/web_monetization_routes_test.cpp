// Web Monetization from the admin API: the state and snippet, switching it on/off in Owncast's
// custom JavaScript, and Connect with {"webMonetization": true}, against FakeOwncast over real HTTP.
#include <catch2/catch.hpp>

#include "owncast/web_monetization.h"
#include "support/app_harness.h"
#include "support/fake_owncast.h"
#include "support/test_support.h"

using json = nlohmann::json;
using wm::test::basic_auth;
using wm::test::RunningApp;
using wm::test::TempDir;

namespace {
const char* kPassword = "correct horse battery";
const std::string kWallet = "https://wallet.example/alice";

json parse(const httplib::Result& r, int expect) {
  REQUIRE(r);
  INFO(r->status << " " << r->body);
  REQUIRE(r->status == expect);
  return r->body.empty() ? json() : json::parse(r->body);
}
}  // namespace

TEST_CASE("app: Web Monetization is switched on and off in Owncast's page and shown in the admin API") {
  wm::test::FakeOwncast::Options fo;
  fo.admin_password = "owncast-admin-pw";
  wm::test::FakeOwncast owncast(fo);
  owncast.set_custom_javascript("console.log('mine');\n");
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword, "--owncast-url", owncast.url(), "--owncast-reconcile",
                              "0", "--wallet-address", "$wallet.example/alice"});
  httplib::Headers h{{"Authorization", basic_auth(kPassword)}};
  auto c = app.client();
  const std::string route = "/plugins/wm/api/web-monetization";

  CHECK(parse(c.Get(route.c_str()), 401)["error"]["code"].is_string());
  auto before = parse(c.Get(route.c_str(), h), 200);
  CHECK(before["walletAddress"] == kWallet);
  CHECK(before["enabled"] == false);
  CHECK(before["snippet"].get<std::string>().find(kWallet) != std::string::npos);

  auto missing = parse(c.Post(route.c_str(), h, json{{"enabled", true}}.dump(), "application/json"), 400);
  CHECK(missing["error"]["code"] == "missing_password");
  CHECK(missing["error"]["field"] == "adminPassword");
  auto wrong = parse(c.Post(route.c_str(), h, json{{"enabled", true}, {"adminPassword", "x"}}.dump(), "application/json"), 400);
  CHECK(wrong["error"]["code"] == "owncast_unauthorized");
  CHECK(owncast.custom_javascript() == "console.log('mine');\n");

  const json on{{"enabled", true}, {"adminPassword", "owncast-admin-pw"}};
  auto r = parse(c.Post(route.c_str(), h, on.dump(), "application/json"), 200);
  CHECK(r == json{{"enabled", true}, {"changed", true}});
  CHECK(owncast.custom_javascript().rfind("console.log('mine');\n", 0) == 0);
  CHECK(wm::owncast::has_monetization(owncast.custom_javascript()));
  CHECK(parse(c.Post(route.c_str(), h, on.dump(), "application/json"), 200)["changed"] == false);
  CHECK(parse(c.Get(route.c_str(), h), 200)["enabled"] == true);

  const json off{{"enabled", false}, {"adminPassword", "owncast-admin-pw"}};
  CHECK(parse(c.Post(route.c_str(), h, off.dump(), "application/json"), 200)["changed"] == true);
  CHECK(owncast.custom_javascript() == "console.log('mine');\n");
}

TEST_CASE("app: Connect with webMonetization adds the snippet too") {
  wm::test::FakeOwncast::Options fo;
  fo.admin_password = "owncast-admin-pw";
  wm::test::FakeOwncast owncast(fo);
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword, "--owncast-reconcile", "0", "--wallet-address", kWallet});
  httplib::Headers h{{"Authorization", basic_auth(kPassword)}};
  auto c = app.client();
  json body{{"url", owncast.url()}, {"adminPassword", "owncast-admin-pw"}, {"webMonetization", true}};
  auto r = parse(c.Post("/plugins/wm/api/owncast/connect", h, body.dump(), "application/json"), 200);
  CHECK(r["webMonetization"]["enabled"] == true);
  CHECK(wm::owncast::has_monetization(owncast.custom_javascript()));
  body.erase("webMonetization");
  auto plain = parse(c.Post("/plugins/wm/api/owncast/connect", h, body.dump(), "application/json"), 200);
  CHECK_FALSE(plain.contains("webMonetization"));
}
