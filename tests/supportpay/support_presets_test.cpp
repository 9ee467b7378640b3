// The streamer's streaming-support presets (setting support-presets): parsing, validation and
// presetId in POST /plugins/wm/support (low / medium / high stay the public ids).
#include <catch2/catch.hpp>

#include "store/store.h"
#include "support/support_service.h"
#include "support/test_support.h"
#include "supportpay/fake_support_wallet.h"

using namespace wm;
using Fake = test::FakeSupportWallet;

TEST_CASE("support: presets parse as low/medium/high in the streamer's asset, validated", "[support]") {
  auto d = support::parse_presets("", "EUR", 2);
  REQUIRE(d);
  REQUIRE(d->size() == 3);
  CHECK((*d)[0].id == "low");
  CHECK((*d)[0].rate.units == 60);
  CHECK((*d)[1].rate.units == 120);
  CHECK((*d)[2].id == "high");
  CHECK((*d)[2].rate.units == 300);
  auto two = support::parse_presets("1, 2.5", "USD", 2);
  REQUIRE(two);
  REQUIRE(two->size() == 2);
  CHECK((*two)[1].id == "medium");
  CHECK((*two)[1].rate.units == 250);
  for (const char* bad : {"1,2,3,4", "0", "1.234", "00.5", "abc", "1,", "100.01"}) {
    INFO(bad);
    auto r = support::parse_presets(bad, "EUR", 2);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_presets");
  }
  CHECK(support::parse_presets("100", "EUR", 2).ok());
  auto unknown = support::preset_rate("high", "EUR", 2, "1,2");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == "unknown_preset");
}

TEST_CASE("support: presetId resolves the streamer's presets when creating a session", "[support]") {
  test::TempDir dir;
  store::Options so;
  so.dir = dir.path();
  auto store = std::move(store::Store::open(so).value());
  int64_t t = 1800000000LL * 1000000000LL;
  Fake wallet{[&t] { return t; }};
  std::string presets = "0.50,2,9.99";
  support::SupportOptions o;
  o.streamer_wallet = Fake::kStreamer;
  o.callback_url = [](const std::string& id) { return "http://cb/" + id; };
  o.clock = [&t] { return t; };
  o.start_thread = false;
  o.presets = [&presets] { return presets; };
  support::SupportService svc(*store, wallet, o);
  auto body = [](const char* id) { return nlohmann::json{{"senderWalletAddress", Fake::kAlice}, {"presetId", id}}; };
  auto low = svc.create(body("low"), "");
  REQUIRE(low);
  CHECK(low->record.rate.units == 50);
  auto high = svc.create(body("high"), "");
  REQUIRE(high);
  CHECK(high->record.rate.units == 999);
  presets = "3";  // applies at once
  auto medium = svc.create(body("medium"), "");
  REQUIRE_FALSE(medium);
  CHECK(medium.error().code == "unknown_preset");
  CHECK(medium.error().message.find("low (3.00 EUR)") != std::string::npos);
  svc.shutdown();
}
