// Issue 10, sections 2 and 3 through the running app: amounts compare as integers on the
// announcement path, skipped announcements are counted and reported in the tip status, and
// settings that would break tipping are refused with the field named.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "app/app.h"
#include "openpayments/keys.h"
#include "support/app_harness.h"
#include "support/fake_owncast.h"
#include "support/sandbox.h"
#include "support/test_support.h"

using json = nlohmann::json;
using namespace wm;

namespace {

const char* kPassword = "correct horse battery";

struct MoneyApp {
  test::Sandbox sb{{"--wait", "0"}};
  test::FakeOwncast owncast;
  test::TempDir dir;
  std::vector<std::string> args;
  std::unique_ptr<test::RunningApp> app;

  // with_owncast: announcements go to the fake Owncast; extra: more flags.
  explicit MoneyApp(bool with_owncast, std::vector<std::string> extra = {}) {
    auto k = openpayments::PrivateKey::generate();
    REQUIRE(k);
    REQUIRE(k->write_pem_file(dir.file("key.pem")));
    sb.register_key("streamer", k->public_jwk("app-key"));
    args = {"--wallet-address", sb.wallet("streamer"), "--key-id", "app-key", "--key-file", dir.file("key.pem"),
            "--op-dev-hosts", sb.dev_host(), "--admin-password", kPassword};
    if (with_owncast) {
      const std::string token = owncast.add_token("tips", {"CAN_SEND_SYSTEM_MESSAGES"});
      args.insert(args.end(), {"--owncast-url", owncast.url(), "--owncast-token", token, "--owncast-reconcile", "0"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    app = std::make_unique<test::RunningApp>(dir.file("data"), args);
  }

  // A tip of `value` minor units from alice, approved and completed; returns its final status.
  json completed_tip(const std::string& value) {
    auto c = app->client();
    json body{{"senderWalletAddress", sb.wallet("alice")},
              {"amount", {{"value", value}, {"assetCode", "EUR"}, {"assetScale", 2}}},
              {"displayName", "Alice"}};
    auto r = c.Post("/plugins/wm/tips", body.dump(), "application/json");
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 201);
    const std::string id = json::parse(r->body)["id"];
    const std::string redirect = sb.decide_latest("accept");
    auto page = c.Get(redirect.substr(redirect.find("/plugins/wm/tips/")).c_str());
    REQUIRE(page);
    json s;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto g = c.Get(("/plugins/wm/tips/" + id).c_str());
      REQUIRE(g);
      s = json::parse(g->body);
      if (s["status"] != "awaiting_consent" && s["status"] != "processing") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    INFO(s.dump());
    REQUIRE(s["status"] == "completed");
    return s;
  }

  // System messages seen by the fake Owncast once `n` arrived (or the deadline passed).
  std::vector<std::string> messages(size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto m = owncast.system_messages();
    while (m.size() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      m = owncast.system_messages();
    }
    return m;
  }

  // The value of one metric series, e.g. metric("owncast_wm_announcements_skipped_total{reason=\"below_minimum\"}").
  // Polls until the series shows `want` (the count follows the tip's completion by an instant).
  std::string metric(const std::string& series, const std::string& want) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string v = metric(series);
    while (v != want && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      v = metric(series);
    }
    return v;
  }
  std::string metric(const std::string& series) {
    auto r = app->client().Get("/metrics");
    REQUIRE(r);
    const auto p = r->body.find("\n" + series + " ");
    if (p == std::string::npos) return "absent";
    const auto start = p + series.size() + 2;
    return r->body.substr(start, r->body.find('\n', start) - start);
  }

  httplib::Headers admin() const { return {{"Authorization", test::basic_auth(kPassword)}}; }

  json put_settings(const json& body, int expect) {
    auto r = app->client().Put("/plugins/wm/api/settings", admin(), body.dump(), "application/json");
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == expect);
    return json::parse(r->body);
  }
};

}  // namespace

TEST_CASE("money: a 12.50 tip is announced with the threshold 0.50 (integers, not strings)", "[tip][sandbox]") {
  // "1250" < "50" as text: before amounts were integers this tip was silently never announced.
  MoneyApp m(true, {"--announce-min", "0.50"});
  for (const char* value : {"1250", "420", "300", "50"}) {
    INFO(value);
    auto s = m.completed_tip(value);
    CHECK(s["announcement"] == "queued");
  }
  auto msgs = m.messages(4);
  REQUIRE(msgs.size() == 4);
  CHECK(msgs[0].find("12.50 EUR") != std::string::npos);
  CHECK(msgs[1].find("4.20 EUR") != std::string::npos);
  CHECK(msgs[2].find("3.00 EUR") != std::string::npos);
  CHECK(msgs[3].find("0.50 EUR") != std::string::npos);
  CHECK(m.metric("owncast_wm_announcements_skipped_total{reason=\"below_minimum\"}") == "0");
}

TEST_CASE("money: a tip below the threshold is skipped, counted and not promised to the viewer",
          "[tip][sandbox]") {
  MoneyApp m(true, {"--announce-min", "5"});
  auto small = m.completed_tip("499");
  CHECK(small["announcement"] == "skipped");
  auto big = m.completed_tip("1250");
  CHECK(big["announcement"] == "queued");
  auto msgs = m.messages(1);
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0].find("12.50 EUR") != std::string::npos);
  CHECK(m.metric("owncast_wm_announcements_skipped_total{reason=\"below_minimum\"}", "1") == "1");
  CHECK(m.metric("owncast_wm_announcements_skipped_total{reason=\"owncast_not_connected\"}") == "0");
}

TEST_CASE("money: without Owncast a completed tip says no announcement and is counted", "[tip][sandbox]") {
  MoneyApp m(false);
  auto s = m.completed_tip("250");
  CHECK(s["announcement"] == "skipped");
  CHECK(m.metric("owncast_wm_announcements_skipped_total{reason=\"owncast_not_connected\"}", "1") == "1");
}

TEST_CASE("money: settings that would break tipping are refused with the field named", "[tip][sandbox]") {
  MoneyApp m(false);
  auto check = [&](const json& body, const std::string& field, const std::string& words) {
    auto e = m.put_settings(body, 400);
    INFO(e.dump());
    CHECK(e["error"]["code"] == "invalid_setting");
    CHECK(e["error"]["field"] == field);
    CHECK(e["error"]["message"].get<std::string>().find(words) != std::string::npos);
  };
  check({{"tip-min", "50"}, {"tip-max", "10"}}, "tip-min",
        "Minimum tip (50.00 EUR) must not be above the maximum tip (10.00 EUR).");
  check({{"tip-min", "0"}}, "tip-min", "more than zero");
  check({{"tip-min", "1.234"}}, "tip-min", "more decimal places than EUR allows (2)");  // the wallet's scale
  check({{"tip-max", "18446744073709551616"}}, "tip-max", "too large");
  check({{"tip-min", "00.10"}}, "tip-min", "leading zeros");
  check({{"announce-min", "500"}}, "announce-min", "above the maximum tip (100.00 EUR)");
  // Nothing of the refused changes was saved, and tipping still works.
  auto saved = m.put_settings({{"tip-max", "10"}}, 200);
  CHECK(saved["settings"]["tip-min"]["value"] == "");
  CHECK(saved["settings"]["tip-max"]["value"] == "10");
  check({{"tip-min", "20"}}, "tip-min", "must not be above the maximum tip (10.00 EUR)");
  CHECK(m.completed_tip("250")["status"] == "completed");

  // Custom tiers must fit inside [tip-min, tip-max] ...
  auto c = m.app->client();
  json custom{{"custom", json::array({{{"name", "Coffee"}, {"amount", "2.50"}}, {{"name", "Gold"}, {"amount", "50"}}})}};
  auto r = c.Post("/plugins/wm/tiers", m.admin(), custom.dump(), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 400);
  auto e = json::parse(r->body);
  CHECK(e["error"]["field"] == "custom[1].amount");
  CHECK(e["error"]["message"] == "The tier \"Gold\" (50.00 EUR) is above the maximum tip (10.00 EUR).");
  // ... and so must a theme's (the default range is 1 to 100).
  r = c.Post("/plugins/wm/tiers", m.admin(), json{{"theme", "coffee"}}.dump(), "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(json::parse(r->body)["error"]["field"] == "maxAmount");
  r = c.Post("/plugins/wm/tiers", m.admin(), json{{"theme", "coffee"}, {"maxAmount", "10"}}.dump(), "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  // Saved tiers then hold the maximum: lowering it below them is refused at tip-max.
  custom["custom"][1]["amount"] = "8";
  r = c.Post("/plugins/wm/tiers", m.admin(), custom.dump(), "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto low = m.put_settings({{"tip-max", "5"}}, 400);
  CHECK(low["error"]["field"] == "tip-max");
  CHECK(low["error"]["message"] == "The tier \"Gold\" (8.00 EUR) is above the maximum tip (5.00 EUR).");
}

TEST_CASE("money: tip amount flags that cannot work stop the start naming the flag") {
  test::TempDir dir;
  auto start = [&](std::vector<std::string> flags) {
    flags.insert(flags.end(), {"--data-dir", dir.file("data"), "--listen", "127.0.0.1:0"});
    auto cfg = load_config(flags);
    REQUIRE(cfg);
    auto a = app::App::create(*cfg);
    return a ? std::string("started") : a.error().code + " " + a.error().message;
  };
  CHECK(start({"--tip-min", "50", "--tip-max", "10"}) ==
        "invalid_config --tip-min: Minimum tip (50) must not be above the maximum tip (10).");
  CHECK(start({"--tip-min", "0"}) == "invalid_config --tip-min: Minimum tip must be more than zero.");
  CHECK(start({"--tip-max", "18446744073709551616"}).find("invalid_config --tip-max: ") == 0);
  CHECK(start({"--tip-max", "10", "--announce-min", "20"}).find("invalid_config --announce-min: ") == 0);
  CHECK(start({"--tip-min", "0.50", "--tip-max", "10"}) == "started");
}
