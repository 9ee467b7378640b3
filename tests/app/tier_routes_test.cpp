// The tier routes on a real http::Server (loopback) with a real LMDB store in a temporary directory.
#include "app/tier_routes.h"

#include <catch2/catch.hpp>

#include <thread>

#include "admin/auth.h"
#include "core/metrics.h"
#include "http/origin.h"
#include "support/app_harness.h"
#include "support/test_support.h"

using json = nlohmann::json;
using namespace wm;

namespace {

const char* kPassword = "tier admin pw";

struct TierSetup {
  app::TierConfig cfg;
  std::string admin_password;  // empty: no admin password set
};

TierSetup tier_config(const std::string& password, const std::string& code, int scale) {
  app::TierConfig c;
  c.asset_code = code;
  c.asset_scale = scale;
  c.max_body = 4096;
  return {c, password};
}

// The server's admin guard for these tests: HTTP Basic only (AdminAuth's parser) behind the
// same-origin rule, answering a request without credentials with a Basic challenge.
http::AdminGuard basic_guard(admin::AdminAuth& auth) {
  return [&auth](const http::Request& req, http::Response& res) {
    if (!auth.password_set()) {
      http::json_error(res, 403, "admin_disabled", "no admin password is set");
      return false;
    }
    if (!http::admin_write_allowed(req, res, "")) return false;
    if (auth.check_basic(req.get_header_value("Authorization"))) return true;
    res.set_header("WWW-Authenticate", "Basic realm=\"owncast-wm\"");
    http::json_error(res, 401, "unauthorized", "admin credentials required");
    return false;
  };
}

struct TierServer {
  test::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<admin::AdminAuth> auth;
  Metrics metrics;
  std::unique_ptr<http::Server> server;
  std::thread thread;
  int port = 0;

  explicit TierServer(TierSetup setup = tier_config(kPassword, "EUR", 2)) {
    store::Options opts;
    opts.dir = dir.path();
    auto s = store::Store::open(opts);
    REQUIRE(s.ok());
    store = std::move(s).value();
    http::ServerOptions sopts;
    sopts.access_log = false;
    sopts.threads = 4;
    server = std::make_unique<http::Server>(sopts, &metrics);
    admin::AuthOptions ao;
    ao.scrypt.n = 1u << 10;
    auth = std::make_unique<admin::AdminAuth>(*store, ao, setup.admin_password);
    server->set_admin_guard(basic_guard(*auth));
    app::register_tier_routes(*server, *store, setup.cfg);
    auto p = server->bind("127.0.0.1", 0);
    REQUIRE(p);
    port = *p;
    thread = std::thread([this] { server->run(); });
    for (int i = 0; i < 500 && !server->running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~TierServer() {
    server->stop();
    thread.join();
  }
  httplib::Client client() const { return httplib::Client("127.0.0.1", port); }

  httplib::Result get(const std::string& path) { return client().Get(path.c_str()); }
  httplib::Result post(const json& body, bool auth = true) { return post_raw(body.dump(), auth); }
  httplib::Result post_raw(const std::string& body, bool auth = true) {
    httplib::Headers h;
    if (auth) h.emplace("Authorization", test::basic_auth(kPassword));
    return client().Post("/plugins/wm/tiers", h, body, "application/json");
  }
};

json ok_json(const httplib::Result& r, int status = 200) {
  REQUIRE(r);
  INFO(r->status << " " << r->body);
  REQUIRE(r->status == status);
  return json::parse(r->body);
}

std::string error_code(const httplib::Result& r, int status = 400) {
  REQUIRE(r);
  INFO(r->status << " " << r->body);
  REQUIRE(r->status == status);
  json j = json::parse(r->body);
  CHECK(j["error"]["message"].is_string());
  CHECK(!j["error"]["message"].get<std::string>().empty());
  return j["error"]["code"];
}

std::vector<std::string> displays(const json& set) {
  std::vector<std::string> out;
  for (const auto& t : set["tiers"]) out.push_back(t["display"]);
  return out;
}

}  // namespace

TEST_CASE("tier routes: suggest generates a tier set") {
  TierServer s;
  json def = ok_json(s.get("/plugins/wm/tiers/suggest"));
  CHECK(def["theme"] == "fun");
  CHECK(def["currency"] == "EUR");
  CHECK(def["assetScale"] == 2);
  CHECK(displays(def) ==
        std::vector<std::string>{"1.00 EUR", "2.00 EUR", "5.00 EUR", "20.00 EUR", "50.00 EUR", "100.00 EUR"});
  CHECK(def["tiers"][0]["id"] == "fun-0");
  CHECK(def["tiers"][0]["amount"] == json{{"value", "100"}, {"assetCode", "EUR"}, {"assetScale", 2}});

  json yen = ok_json(s.get("/plugins/wm/tiers/suggest?streamId=main&theme=retro&currency=jpy"));
  CHECK(yen["theme"] == "retro");
  CHECK(yen["currency"] == "JPY");
  CHECK(yen["assetScale"] == 0);
  CHECK(displays(yen) == std::vector<std::string>{"1 JPY", "5 JPY", "20 JPY", "100 JPY"});

  json usd = ok_json(s.get("/plugins/wm/tiers/suggest?theme=coffee&currency=USD&minAmount=1.00&maxAmount=1.50"));
  CHECK(displays(usd) == std::vector<std::string>{"1.00 USD", "1.20 USD", "1.30 USD", "1.50 USD"});

  json xrp = ok_json(s.get("/plugins/wm/tiers/suggest?theme=space&currency=XRP&assetScale=9"));
  CHECK(xrp["tiers"][0]["display"] == "1.000000000 XRP");
  CHECK(xrp["tiers"].size() == 5);

  CHECK(error_code(s.get("/plugins/wm/tiers/suggest?theme=pirates")) == "invalid_theme");
  CHECK(error_code(s.get("/plugins/wm/tiers/suggest?currency=E")) == "invalid_currency");
  CHECK(error_code(s.get("/plugins/wm/tiers/suggest?currency=EUR&assetScale=19")) == "invalid_scale");
  CHECK(error_code(s.get("/plugins/wm/tiers/suggest?assetScale=x")) == "invalid_scale");
  CHECK(error_code(s.get("/plugins/wm/tiers/suggest?minAmount=abc")) == "invalid_amount");
  CHECK(error_code(s.get("/plugins/wm/tiers/suggest?minAmount=50&maxAmount=5")) == "invalid_range");
  CHECK(error_code(s.get("/plugins/wm/tiers/suggest?minAmount=0")) == "invalid_amount");
  CHECK(error_code(s.get("/plugins/wm/tiers/suggest?streamId=a%20b")) == "invalid_stream_id");
  auto bad = s.get("/plugins/wm/tiers/suggest?theme=pirates");
  REQUIRE(bad);
  CHECK(json::parse(bad->body)["error"]["message"].get<std::string>().find("fun, fantasy") != std::string::npos);
}

TEST_CASE("tier routes: the configured wallet currency is the default") {
  TierServer s(tier_config(kPassword, "USD", 6));
  json j = ok_json(s.get("/plugins/wm/tiers/suggest?theme=music"));
  CHECK(j["currency"] == "USD");
  CHECK(j["assetScale"] == 6);
  CHECK(j["tiers"][0]["display"] == "1.000000 USD");
  json same = ok_json(s.get("/plugins/wm/tiers/suggest?currency=usd"));
  CHECK(same["assetScale"] == 6);  // the wallet's scale for the wallet's code
  json eur = ok_json(s.get("/plugins/wm/tiers/suggest?currency=EUR"));
  CHECK(eur["assetScale"] == 2);
  json overlay = ok_json(s.get("/plugins/wm/overlay/tip-tiers"));
  CHECK(overlay["currency"] == "USD");
  CHECK(overlay["source"] == "default");
}

TEST_CASE("tier routes: POST requires admin credentials") {
  TierServer s;
  json body = {{"streamId", "main"}, {"theme", "space"}};
  auto none = s.post(body, false);
  CHECK(error_code(none, 401) == "unauthorized");
  CHECK(none->get_header_value("WWW-Authenticate").find("Basic") == 0);
  httplib::Headers wrong = {{"Authorization", test::basic_auth("nope")}};
  CHECK(error_code(s.client().Post("/plugins/wm/tiers", wrong, body.dump(), "application/json"), 401) ==
        "unauthorized");
  // Nothing was saved.
  CHECK(ok_json(s.get("/plugins/wm/overlay/tip-tiers?streamId=main"))["source"] == "default");

  TierServer disabled(tier_config("", "EUR", 2));
  CHECK(error_code(disabled.post(body), 403) == "admin_disabled");
}

TEST_CASE("tier routes: POST chooses a theme that the overlay then shows") {
  TierServer s;
  json set = ok_json(s.post({{"streamId", "main"},
                             {"viewerSegment", "regulars"},
                             {"theme", "nature"},
                             {"currency", "EUR"},
                             {"minAmount", "2.50"},
                             {"maxAmount", {{"value", "5000"}, {"assetCode", "EUR"}, {"assetScale", 2}}}}));
  CHECK(set["theme"] == "nature");
  CHECK(set["currency"] == "EUR");
  CHECK(set["viewerSegment"] == "regulars");
  CHECK(set["source"] == "theme");
  REQUIRE(set["tiers"].size() == 5);
  CHECK(set["tiers"][0]["display"] == "2.50 EUR");
  CHECK(set["tiers"][4]["display"] == "50.00 EUR");

  auto r = s.get("/plugins/wm/overlay/tip-tiers?streamId=main");
  json overlay = ok_json(r);
  CHECK(r->get_header_value("Access-Control-Allow-Origin") == "*");
  CHECK(overlay["source"] == "theme");
  CHECK(overlay["theme"] == "nature");
  CHECK(overlay["tiers"] == set["tiers"]);

  // Suggest for the stream without a theme uses the saved theme.
  CHECK(ok_json(s.get("/plugins/wm/tiers/suggest?streamId=main"))["theme"] == "nature");

  // Defaults: fun, 1..100 in the configured currency; another stream keeps its own choice.
  json def = ok_json(s.post({{"streamId", "second"}}));
  CHECK(def["theme"] == "fun");
  CHECK(def["tiers"].size() == 6);
  CHECK(ok_json(s.get("/plugins/wm/overlay/tip-tiers?streamId=main"))["theme"] == "nature");
  CHECK(ok_json(s.get("/plugins/wm/overlay/tip-tiers?streamId=second"))["source"] == "theme");
}

TEST_CASE("tier routes: bad POST input answers 400 JSON errors") {
  TierServer s;
  CHECK(error_code(s.post_raw("{not json")) == "invalid_json");
  CHECK(error_code(s.post(json::array())) == "invalid_request");
  CHECK(error_code(s.post({{"streamId", 5}})) == "invalid_request");
  CHECK(error_code(s.post({{"streamId", "bad id"}})) == "invalid_stream_id");
  CHECK(error_code(s.post({{"theme", "pirates"}})) == "invalid_theme");
  CHECK(error_code(s.post({{"currency", "€"}})) == "invalid_currency");
  CHECK(error_code(s.post({{"assetScale", 19}})) == "invalid_scale");
  CHECK(error_code(s.post({{"minAmount", 2.5}})) == "invalid_amount");
  CHECK(error_code(s.post({{"minAmount", "2.505"}})) == "invalid_amount");
  CHECK(error_code(s.post({{"minAmount", "50"}, {"maxAmount", "5"}})) == "invalid_range");
  CHECK(error_code(s.post({{"minAmount", {{"value", "100"}, {"assetCode", "USD"}, {"assetScale", 2}}}})) ==
        "asset_mismatch");
  CHECK(error_code(s.post({{"viewerSegment", std::string(65, 's')}})) == "invalid_request");
  CHECK(error_code(s.post({{"custom", json::array()}})) == "invalid_tiers");
  CHECK(error_code(s.post_raw(std::string(5000, ' ')), 413) == "payload_too_large");
  // Nothing of that was saved.
  CHECK(ok_json(s.get("/plugins/wm/overlay/tip-tiers"))["source"] == "default");
}

TEST_CASE("tier routes: custom tiers override the theme in the overlay") {
  TierServer s;
  ok_json(s.post({{"streamId", "main"}, {"theme", "gaming"}}));
  json custom = json::array({{{"name", "Snack"}, {"emoji", "🍿"}, {"perk", "Popcorn for the stream"}, {"amount", "3"}},
                             {{"id", "dinner"}, {"name", "Dinner"}, {"amount", "25.00"}}});
  json saved = ok_json(s.post({{"streamId", "main"}, {"custom", custom}}));
  CHECK(saved["theme"] == "custom");
  CHECK(saved["source"] == "custom");
  REQUIRE(saved["tiers"].size() == 2);
  CHECK(saved["tiers"][0]["id"] == "custom-0");
  CHECK(saved["tiers"][0]["display"] == "3.00 EUR");
  CHECK(saved["tiers"][1]["id"] == "dinner");

  auto r = s.get("/plugins/wm/overlay/tip-tiers?streamId=main");
  json overlay = ok_json(r);
  CHECK(r->get_header_value("Access-Control-Allow-Origin") == "*");
  CHECK(overlay["source"] == "custom");
  CHECK(overlay["tiers"] == saved["tiers"]);

  // Invalid custom tiers are refused and the saved ones stay.
  CHECK(error_code(s.post({{"streamId", "main"}, {"custom", json::array({{{"name", std::string(41, 'n')},
                                                                          {"amount", "1"}}})}})) == "invalid_tiers");
  CHECK(error_code(s.post({{"streamId", "main"},
                           {"custom", json::array({{{"name", "X"},
                                                    {"amount", {{"value", "1"}, {"assetCode", "USD"},
                                                                {"assetScale", 2}}}}})}})) == "invalid_tiers");
  CHECK(ok_json(s.get("/plugins/wm/overlay/tip-tiers?streamId=main"))["source"] == "custom");

  // Custom tiers with a theme save the theme as well; choosing a theme alone replaces the custom tiers.
  ok_json(s.post({{"streamId", "main"}, {"theme", "food"}, {"custom", custom}}));
  CHECK(ok_json(s.get("/plugins/wm/tiers/suggest?streamId=main"))["theme"] == "food");
  CHECK(ok_json(s.get("/plugins/wm/overlay/tip-tiers?streamId=main"))["source"] == "custom");
  ok_json(s.post({{"streamId", "main"}, {"theme", "music"}}));
  json after = ok_json(s.get("/plugins/wm/overlay/tip-tiers?streamId=main"));
  CHECK(after["source"] == "theme");
  CHECK(after["theme"] == "music");
}

TEST_CASE("tier routes: the overlay answers CORS preflight and errors with CORS") {
  TierServer s;
  auto pre = s.client().Options("/plugins/wm/overlay/tip-tiers");
  REQUIRE(pre);
  CHECK(pre->status == 204);
  CHECK(pre->get_header_value("Access-Control-Allow-Origin") == "*");
  CHECK(pre->get_header_value("Access-Control-Allow-Methods").find("GET") != std::string::npos);

  auto def = s.get("/plugins/wm/overlay/tip-tiers");
  json j = ok_json(def);
  CHECK(def->get_header_value("Access-Control-Allow-Origin") == "*");
  CHECK(j["source"] == "default");
  CHECK(j["theme"] == "fun");
  CHECK(j["streamId"] == "default");

  auto bad = s.get("/plugins/wm/overlay/tip-tiers?streamId=%2F..%2F");
  CHECK(error_code(bad) == "invalid_stream_id");
  CHECK(bad->get_header_value("Access-Control-Allow-Origin") == "*");
}
