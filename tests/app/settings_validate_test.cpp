// validate_tip_settings: the tip amounts of a whole configuration, checked together (pure).
#include <catch2/catch.hpp>

#include "app/settings_validate.h"

using namespace wm;
using app::TierAmount;
using app::TipAmountSettings;
using app::validate_tip_settings;
using app::WalletAsset;

namespace {

const std::optional<WalletAsset> kEur = WalletAsset{"EUR", 2};

// "ok", or "<field>: <message>".
std::string check(const TipAmountSettings& s, const std::optional<WalletAsset>& w = kEur,
                  const std::vector<TierAmount>& tiers = {}, const std::vector<std::string>& changed = {}) {
  auto st = validate_tip_settings(s, w, tiers, changed);
  if (st) return "ok";
  CHECK(st.error().code == "invalid_setting");
  return st.error().field + ": " + st.error().message;
}

TierAmount tier(const char* name, uint64_t units, const char* code = "EUR") {
  return {"custom[0].amount", std::string("\"") + name + "\"", openpayments::Amount{units, code, 2}};
}

}  // namespace

TEST_CASE("settings validation: sound configurations pass") {
  CHECK(check({}) == "ok");
  CHECK(check({"0.50", "100", "0.50"}) == "ok");
  CHECK(check({"1", "1", ""}) == "ok");
  CHECK(check({"0.01", "", "12.50"}) == "ok");
  CHECK(check({"2", "10"}, kEur, {tier("Gold", 500)}) == "ok");
  CHECK(check({"50", "10"}, std::nullopt).find("tip-min: ") == 0);  // without a wallet too
  CHECK(check({"0.5", "10"}, std::nullopt) == "ok");
}

TEST_CASE("settings validation: minimum above maximum names the field being changed") {
  CHECK(check({"50", "10"}) == "tip-min: Minimum tip (50.00 EUR) must not be above the maximum tip (10.00 EUR).");
  CHECK(check({"50", "10"}, kEur, {}, {"tip-max"}) ==
        "tip-max: Maximum tip (10.00 EUR) must not be below the minimum tip (50.00 EUR).");
  CHECK(check({"50", "10"}, kEur, {}, {"tip-min", "tip-max"}).find("tip-min: ") == 0);
}

TEST_CASE("settings validation: zero, scale, overflow and syntax are refused") {
  CHECK(check({"0", "10"}) == "tip-min: Minimum tip must be more than zero.");
  CHECK(check({"", "0"}) == "tip-max: Maximum tip must be more than zero.");
  CHECK(check({"1.234", "10"}) == "tip-min: Minimum tip (1.234) has more decimal places than EUR allows (2).");
  CHECK(check({"1", "18446744073709551616"}, WalletAsset{"JPY", 0}) ==
        "tip-max: Maximum tip (18446744073709551616) is too large.");
  CHECK(check({"1", "18446744073709551616"}, std::nullopt).find("tip-max: ") == 0);  // 2^64, wallet unknown
  CHECK(check({"1", "1000000000000000000"}).find("is too large") != std::string::npos);  // 10^20 cents
  CHECK(check({"00.10", ""}).find("tip-min: Minimum tip (00.10) is not an amount: no leading zeros") == 0);
  CHECK(check({"", "", "0150"}).find("announce-min: ") == 0);
  CHECK(check({"", "", "0.505"}).find("announce-min: ") == 0);
}

TEST_CASE("settings validation: the announcement minimum must be reachable") {
  CHECK(check({"1", "100", "100"}) == "ok");
  CHECK(check({"1", "100", "100.01"}) ==
        "announce-min: Minimum amount to announce (100.01 EUR) is above the maximum tip (100.00 EUR): no tip would "
        "ever be announced.");
}

TEST_CASE("settings validation: every tier inside [min, max], in the wallet's currency") {
  CHECK(check({"1", "10"}, kEur, {tier("Gold", 1500)}) ==
        "custom[0].amount: The tier \"Gold\" (15.00 EUR) is above the maximum tip (10.00 EUR).");
  CHECK(check({"1", "10"}, kEur, {tier("Penny", 50)}) ==
        "custom[0].amount: The tier \"Penny\" (0.50 EUR) is below the minimum tip (1.00 EUR).");
  TierAmount below = tier("Penny", 50);
  below.below_field = "minAmount";
  CHECK(check({"1", "10"}, kEur, {below}).find("minAmount: ") == 0);
  CHECK(check({"1", "10"}, kEur, {tier("Gold", 500, "USD")}) ==
        "custom[0].amount: The tier \"Gold\" is in USD, but tips are received in EUR.");
  // Without the wallet the tiers' own currency is used, and it must be one.
  CHECK(check({"1", "10"}, std::nullopt, {tier("Gold", 1500, "USD")}).find("above the maximum tip (10.00 USD)") !=
        std::string::npos);
  CHECK(check({"1", "10"}, std::nullopt, {tier("A", 100, "USD"), tier("B", 100, "EUR")}).find("one currency") !=
        std::string::npos);
  // The default maximum (100 major units) applies to tiers too.
  CHECK(check({}, kEur, {tier("Whale", 10001)}).find("above the maximum tip (100.00 EUR)") != std::string::npos);
}
