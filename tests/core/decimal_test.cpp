// The one decimal input rule (core/decimal.h) every amount typed by a person goes through.
#include <catch2/catch.hpp>

#include "core/decimal.h"

using namespace wm;

TEST_CASE("decimal: the input rule refuses leading zeros, signs, exponents and lone dots") {
  for (const char* good : {"0", "0.5", "0.50", "12", "12.5", "1.230", "100"}) {
    INFO(good);
    CHECK(decimal::check(good).ok());
  }
  for (const char* bad : {"", "00", "00.10", "0150", "007.10", ".5", "5.", "1..2", "-1", "+1", "1e3", " 1", "1,5", "NaN"}) {
    INFO("'" << bad << "'");
    auto st = decimal::check(bad);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == "invalid_amount");
  }
  CHECK(decimal::check("0150").error().message.find("leading zeros") != std::string::npos);
}

TEST_CASE("decimal: text to minor units at a scale, exactly") {
  CHECK(*decimal::to_units("12.50", 2) == 1250);
  CHECK(*decimal::to_units("0.5", 2) == 50);
  CHECK(*decimal::to_units("1.230", 2) == 123);
  CHECK(*decimal::to_units("0.29", 2) == 29);
  CHECK(*decimal::to_units("0", 255) == 0);
  CHECK(*decimal::to_units("18446744073709551615", 0) == UINT64_MAX);
  CHECK(decimal::to_units("1.234", 2).error().code == "too_precise");
  CHECK(decimal::to_units("0.5", 0).error().code == "too_precise");
  CHECK(decimal::to_units("18446744073709551616", 0).error().code == "too_large");  // 2^64
  CHECK(decimal::to_units("184467440737095516.16", 2).error().code == "too_large");
  CHECK(decimal::to_units("1", 20).error().code == "too_large");
  CHECK(decimal::to_units("00.10", 2).error().code == "invalid_amount");
}

TEST_CASE("decimal: significant fraction digits") {
  CHECK(decimal::places("5") == 0);
  CHECK(decimal::places("1.230") == 2);
  CHECK(decimal::places("0.000000001") == 9);
  CHECK(decimal::places("bad") == 0);
}
