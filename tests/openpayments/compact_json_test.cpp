#include "openpayments/compact_json.h"

#include <catch2/catch.hpp>

#include "openpayments/vectors.h"

using namespace wm::openpayments;
using nlohmann::ordered_json;

namespace {
std::string again(std::string_view text) { return js_reserialize(text).value_or("<invalid>"); }
}  // namespace

TEST_CASE("openpayments: every vector body already is JSON.stringify output") {
  auto v = wm::test::load_vectors("http-signatures.json");
  for (const auto& c : v["cases"]) {
    if (c["input"]["body"].is_null()) continue;
    DYNAMIC_SECTION(c["name"].get<std::string>()) {
      auto body = c["input"]["body"].get<std::string>();
      CHECK(is_compact_json(body));
      CHECK(compact_json(ordered_json::parse(body)) == body);
    }
  }
}

TEST_CASE("openpayments: quirk bodies re-serialise to the reference digest input") {
  auto v = wm::test::load_vectors("http-signatures.json");
  for (const auto& c : v["quirk_cases"]) {
    DYNAMIC_SECTION(c["name"].get<std::string>()) {
      auto body = c["input"]["body"].get<std::string>();
      CHECK_FALSE(is_compact_json(body));
      CHECK(again(body) == c["expected"]["content_digest_input"].get<std::string>());
    }
  }
}

TEST_CASE("openpayments: integer-like keys come first in numeric order like JavaScript") {
  CHECK(again(R"({"b":1,"10":2,"2":3,"a":4,"01":5,"4294967295":6,"4294967294":7})") ==
        R"({"2":3,"10":2,"4294967294":7,"b":1,"a":4,"01":5,"4294967295":6})");
  // Duplicate keys: the last value wins at the first key's position, as in JSON.parse.
  CHECK(again(R"({"a":1,"b":2,"a":3})") == R"({"a":3,"b":2})");
  nlohmann::json sorted = {{"z", 1}, {"10", 2}, {"9", 3}, {"a", 4}};
  CHECK(compact_json(sorted) == R"({"9":3,"10":2,"a":4,"z":1})");
}

TEST_CASE("openpayments: strings are escaped exactly as JSON.stringify does") {
  CHECK(again(R"(["a/b","\u00e9","\/","\u001f\u0000","\b\f\n\r\t","\"\\","\u2028","\u007f"])") ==
        "[\"a/b\",\"\xC3\xA9\",\"/\",\"\\u001f\\u0000\",\"\\b\\f\\n\\r\\t\",\"\\\"\\\\\","
        "\"\xE2\x80\xA8\",\"\x7F\"]");
  CHECK(again("\"\xF0\x9F\x98\x80\"") == "\"\xF0\x9F\x98\x80\"");
  // Invalid UTF-8 built in code turns into U+FFFD rather than invalid JSON.
  CHECK(compact_json(nlohmann::json(std::string("a\xFF"))) == "\"a\xEF\xBF\xBD\"");
}

TEST_CASE("openpayments: numbers are written in JavaScript's shortest form") {
  CHECK(again("[1.0,-0,-0.0,100,1e2,1.5,0.1,1e21,1e20,123e-20,1e-7,0.000001,-2.5e-8]") ==
        "[1,0,0,100,100,1.5,0.1,1e+21,100000000000000000000,1.23e-18,1e-7,0.000001,-2.5e-8]");
  // Expected strings taken from Node 20 (JSON.stringify(JSON.parse(...))).
  CHECK(again("[9007199254740993,18446744073709551615,-9223372036854775808,"
              "123456789012345678901234]") ==
        "[9007199254740992,18446744073709552000,-9223372036854776000,1.2345678901234569e+23]");
  CHECK(again("[5e-324,1.7976931348623157e308,0.1e-6,1234.5678e10]") ==
        "[5e-324,1.7976931348623157e+308,1e-7,12345678000000]");
  CHECK(again("[9007199254740992,-9007199254740992,true,false,null,{},[]]") ==
        "[9007199254740992,-9007199254740992,true,false,null,{},[]]");
}

TEST_CASE("openpayments: invalid JSON is not compact JSON") {
  CHECK_FALSE(js_reserialize("{").has_value());
  CHECK_FALSE(js_reserialize("").has_value());
  CHECK_FALSE(js_reserialize("{\"a\":1} x").has_value());
  CHECK_FALSE(is_compact_json("\"a\xFF\""));
  CHECK(is_compact_json("{}"));
  CHECK_FALSE(is_compact_json("{ }"));
}
