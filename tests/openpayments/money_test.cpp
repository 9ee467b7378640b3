#include "openpayments/money.h"

#include <catch2/catch.hpp>
#include <type_traits>

using namespace wm::openpayments;
using nlohmann::json;
using wm::Result;

namespace {

json amount_json(json value, json code = "USD", json scale = 2) {
  return {{"value", value}, {"assetCode", code}, {"assetScale", scale}};
}

Amount amt(uint64_t units, const char* code = "USD", int scale = 2) {
  auto a = make_amount(units, code, scale);
  REQUIRE(a.ok());
  return *a;
}

std::string code_of(const Result<Amount>& r) { return r.ok() ? "ok" : r.error().code; }

}  // namespace

TEST_CASE("openpayments: amount parses from the Open Payments JSON shape") {
  auto a = parse_amount(json::parse(R"({"value":"500","assetCode":"USD","assetScale":2,"x":1})"));
  REQUIRE(a.ok());
  CHECK(a->units == 500);
  CHECK(a->asset_code == "USD");
  CHECK(a->asset_scale == 2);
  CHECK(to_json(*a) == json::parse(R"({"value":"500","assetCode":"USD","assetScale":2})"));
  json implicit = *a;
  CHECK(implicit == to_json(*a));
}

TEST_CASE("openpayments: hostile amount values are rejected") {
  for (const char* value : {"-1", "1.5", "1e3", "+1", "", "  1", "1 ", "18446744073709551616",
                            "99999999999999999999", "0x10", "1_000", "١", "NaN", "Infinity"}) {
    DYNAMIC_SECTION("value '" << value << "'") {
      CHECK(code_of(parse_amount(amount_json(value))) == "invalid_amount");
    }
  }
}

TEST_CASE("openpayments: non-string amount values are rejected") {
  for (const json& value :
       {json(500), json(5.5), json(nullptr), json(true), json::array(), json::object()}) {
    CHECK(code_of(parse_amount(amount_json(value))) == "invalid_amount");
  }
  CHECK(code_of(parse_amount(json::array())) == "invalid_amount");
  CHECK(code_of(parse_amount(json{{"assetCode", "USD"}, {"assetScale", 2}})) == "invalid_amount");
}

TEST_CASE("openpayments: asset scale must be an integer 0..255") {
  CHECK(code_of(parse_amount(amount_json("1", "USD", 0))) == "ok");
  CHECK(code_of(parse_amount(amount_json("1", "USD", 255))) == "ok");
  for (const json& scale : {json(256), json(-1), json(2.0), json(2.5), json("2"), json(nullptr),
                            json(true), json(18446744073709551615ull)}) {
    CHECK(code_of(parse_amount(amount_json("1", "USD", scale))) == "invalid_amount");
  }
  CHECK(code_of(make_amount(1, "USD", 256)) == "invalid_amount");
  CHECK(code_of(make_amount(1, "USD", -1)) == "invalid_amount");
}

TEST_CASE("openpayments: asset codes must be short upper-case alphanumerics") {
  for (const char* code : {"USD", "EUR", "USDC", "XRP", "BTC", "A1B"})
    CHECK(code_of(parse_amount(amount_json("1", code))) == "ok");
  for (const char* code : {"", "US", "usd", "U SD", "US$", "ABCDEFGHIJKLMNOPQ", "€UR"})
    CHECK(code_of(parse_amount(amount_json("1", code))) == "invalid_amount");
  CHECK(code_of(parse_amount(amount_json("1", 840))) == "invalid_amount");
}

TEST_CASE("openpayments: amount values are canonicalised") {
  CHECK(parse_amount(amount_json("7"))->units == 7);
  CHECK(parse_amount(amount_json("0"))->units == 0);
  CHECK(parse_amount(amount_json("18446744073709551615"))->units == UINT64_MAX);
  // The decimal input rule: no leading zeros, in amount values as everywhere else.
  for (const char* value : {"0007", "000", "00", "0150", "0018446744073709551615"}) {
    DYNAMIC_SECTION("value '" << value << "'") {
      CHECK(code_of(parse_amount(amount_json(value))) == "invalid_amount");
    }
  }
  CHECK(*parse_units("18446744073709551615") == UINT64_MAX);
}

TEST_CASE("openpayments: amount addition detects overflow") {
  auto max = amt(UINT64_MAX);
  CHECK(add(amt(UINT64_MAX - 1), amt(1))->units == UINT64_MAX);
  auto over = add(max, amt(1));
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == "overflow");
  CHECK(add(amt(250), amt(250))->units == 500);
}

TEST_CASE("openpayments: amount subtraction detects underflow") {
  CHECK(subtract(amt(500), amt(200))->units == 300);
  CHECK(subtract(amt(5), amt(5))->units == 0);
  auto under = subtract(amt(1), amt(2));
  REQUIRE_FALSE(under.ok());
  CHECK(under.error().code == "underflow");
}

TEST_CASE("openpayments: amounts of different assets do not mix") {
  CHECK(code_of(add(amt(1, "USD"), amt(1, "EUR"))) == "asset_mismatch");
  CHECK(code_of(add(amt(1, "USD", 2), amt(1, "USD", 3))) == "asset_mismatch");
  CHECK(code_of(subtract(amt(1, "USD"), amt(1, "EUR"))) == "asset_mismatch");
  auto cmp = compare(amt(1, "USD"), amt(1, "EUR"));
  REQUIRE_FALSE(cmp.ok());
  CHECK(cmp.error().code == "asset_mismatch");
}

TEST_CASE("openpayments: amounts compare as unsigned integers") {
  CHECK(*compare(amt(9), amt(10)) == -1);
  CHECK(*compare(amt(10), amt(10)) == 0);
  CHECK(*compare(amt(UINT64_MAX), amt(10)) == 1);
  // As integers, never as text: "1250" < "50" as strings, 12.50 > 0.50 as money.
  CHECK(*compare(amt(1250), amt(50)) == 1);
  CHECK_FALSE(*less(amt(1250), amt(50)));
  CHECK(*less(amt(50), amt(1250)));
  CHECK(*less(amt(300), amt(420)));
  auto across = less(amt(1, "USD"), amt(2, "EUR"));
  REQUIRE_FALSE(across.ok());  // an error, not "false"
  CHECK(across.error().code == "asset_mismatch");
}

TEST_CASE("openpayments: amounts are integers of minor units; text only in JSON") {
  static_assert(std::is_same_v<decltype(Amount::units), uint64_t>);
  auto a = parse_amount(amount_json("1250", "EUR", 2));
  REQUIRE(a.ok());
  CHECK(a->units == 1250u);
  CHECK(to_json(Amount{1250, "EUR", 2}) == amount_json("1250", "EUR", 2));
  CHECK(to_json(Amount{UINT64_MAX, "EUR", 2})["value"] == "18446744073709551615");
  CHECK(Amount{}.empty());
  CHECK_FALSE(a->empty());
}

TEST_CASE("openpayments: amounts display with all scale digits and no floating point") {
  CHECK(format_amount(amt(1234, "EUR", 2)) == "12.34 EUR");
  CHECK(format_amount(amt(500, "USD", 2)) == "5.00 USD");
  CHECK(format_amount(amt(5, "USD", 2)) == "0.05 USD");
  CHECK(format_amount(amt(0, "USD", 2)) == "0.00 USD");
  CHECK(format_amount(amt(1234, "JPY", 0)) == "1234 JPY");
  CHECK(format_amount(amt(1, "XRP", 9)) == "0.000000001 XRP");
  CHECK(format_amount(amt(1234567890123, "XRP", 9)) == "1234.567890123 XRP");
  CHECK(format_amount(amt(UINT64_MAX, "ABC", 9)) == "18446744073.709551615 ABC");
  CHECK(format_amount(amt(UINT64_MAX, "ABC", 20)) == "0.18446744073709551615 ABC");
  CHECK(format_amount(amt(7, "ABC", 255)).size() == 2 + 255 + 4);
}

TEST_CASE("money: currency symbols for display") {
  CHECK(currency_symbol("EUR") == "€");
  CHECK(currency_symbol("USD") == "$");
  CHECK(currency_symbol("CAD") == "CA$");
  CHECK(currency_symbol("XRP").empty());
  CHECK(currency_symbol("").empty());
  CHECK(parse_currency_style("code") == CurrencyStyle::code);
  CHECK(parse_currency_style("symbol") == CurrencyStyle::symbol);
  CHECK_FALSE(parse_currency_style("Symbol"));
  CHECK_FALSE(parse_currency_style(""));
}

TEST_CASE("money: restyle_display puts a known symbol in front and leaves the rest alone") {
  CHECK(restyle_display(format_amount(amt(1234, "EUR", 2)), CurrencyStyle::symbol) == "€12.34");
  CHECK(restyle_display(format_amount(amt(500, "JPY", 0)), CurrencyStyle::symbol) == "¥500");
  CHECK(restyle_display(format_amount(amt(5, "USD", 2)), CurrencyStyle::symbol) == "$0.05");
  // No symbol, code style, or not format_amount's shape: unchanged.
  CHECK(restyle_display("0.000000001 XRP", CurrencyStyle::symbol) == "0.000000001 XRP");
  CHECK(restyle_display("12.34 EUR", CurrencyStyle::code) == "12.34 EUR");
  CHECK(restyle_display("EUR", CurrencyStyle::symbol) == "EUR");
  CHECK(restyle_display(" EUR", CurrencyStyle::symbol) == " EUR");
  CHECK(restyle_display("lots EUR", CurrencyStyle::symbol) == "lots EUR");
  CHECK(restyle_display("", CurrencyStyle::symbol).empty());
}

TEST_CASE("money: restyle_displays rewrites every display member, at any depth, and nothing else") {
  json j = {{"display", "5.00 EUR"},
            {"name", "5.00 EUR"},
            {"tiers", json::array({{{"display", "1.00 USD"}, {"amount", {{"value", "100"}}}}, {{"display", 7}}})},
            {"totals", {{"EUR", {{"display", "9.99 EUR"}}}}}};
  json code = j;
  restyle_displays(code, CurrencyStyle::code);
  CHECK(code == j);
  restyle_displays(j, CurrencyStyle::symbol);
  CHECK(j["display"] == "€5.00");
  CHECK(j["name"] == "5.00 EUR");
  CHECK(j["tiers"][0]["display"] == "$1.00");
  CHECK(j["tiers"][0]["amount"]["value"] == "100");
  CHECK(j["tiers"][1]["display"] == 7);
  CHECK(j["totals"]["EUR"]["display"] == "€9.99");
}

TEST_CASE("money: decimal strings parse exactly, without floats") {
  auto ok = [](const std::string& text, const std::string& code, int scale) {
    auto a = parse_decimal(text, code, scale);
    INFO(text << " " << code << "/" << scale << (a ? "" : " " + a.error().message));
    REQUIRE(a.ok());
    CHECK(a->asset_code == code);
    CHECK(a->asset_scale == scale);
    return std::to_string(a->units);
  };
  CHECK(ok("2.50", "EUR", 2) == "250");
  CHECK(ok("2.5", "EUR", 2) == "250");
  CHECK(ok("2", "EUR", 2) == "200");
  CHECK(ok("2.500", "EUR", 2) == "250");
  CHECK(ok("0.01", "EUR", 2) == "1");
  CHECK(ok("0.29", "EUR", 2) == "29");  // 0.29 * 100 is 28.999... in binary floating point
  CHECK(ok("1000", "JPY", 0) == "1000");
  CHECK(ok("5.0", "JPY", 0) == "5");
  CHECK(ok("0.000000001", "XRP", 9) == "1");
  CHECK(ok("1.1", "XRP", 9) == "1100000000");
  CHECK(ok("18446744073709551615", "JPY", 0) == "18446744073709551615");
  CHECK(ok("0", "EUR", 2) == "0");
  CHECK(ok("0.10", "EUR", 2) == "10");
  for (const std::string bad : {"", "2.505", "-1", "+1", "1e3", ".5", "2.", "1,50", " 1", "1 ", "2..5", "NaN",
                                "18446744073709551616", "184467440737095516.16",
                                // the decimal input rule: no leading zeros
                                "007.10", "00.10", "0150", "00", "00.0"}) {
    auto a = parse_decimal(bad, "EUR", 2);
    INFO("'" << bad << "'");
    CHECK_FALSE(a.ok());
    if (!a.ok()) CHECK(a.error().code == "invalid_amount");
  }
  CHECK_FALSE(parse_decimal("18446744073709551616", "JPY", 0).ok());
  CHECK_FALSE(parse_decimal("5.5", "JPY", 0).ok());

  // amount_from_json: objects in the currency, decimal strings; never JSON numbers.
  auto obj = amount_from_json(json{{"value", "250"}, {"assetCode", "EUR"}, {"assetScale", 2}}, "EUR", 2);
  REQUIRE(obj.ok());
  CHECK(obj->units == 250);
  auto other = amount_from_json(json{{"value", "250"}, {"assetCode", "USD"}, {"assetScale", 2}}, "EUR", 2);
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code == "asset_mismatch");
  auto number = amount_from_json(json(2.5), "EUR", 2);
  REQUIRE_FALSE(number.ok());
  CHECK(number.error().code == "invalid_amount");
  auto str = amount_from_json(json("2.50"), "EUR", 2);
  REQUIRE(str.ok());
  CHECK(str->units == 250);
}

TEST_CASE("money: default scale for a currency code") {
  CHECK(default_scale("EUR", "EUR", 2) == 2);
  CHECK(default_scale("USD", "EUR", 2) == 2);
  CHECK(default_scale("USD", "USD", 6) == 6);  // the wallet says otherwise
  CHECK(default_scale("JPY", "EUR", 2) == 0);
  CHECK(default_scale("KWD", "EUR", 2) == 3);
  CHECK(default_scale("ABC", "EUR", 2) == 2);
}
