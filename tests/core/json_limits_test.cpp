// JSON nesting limit (issue 11, finding 3).
#include "core/json_limits.h"

#include <catch2/catch.hpp>
#include <chrono>

using namespace wm;

namespace {
std::string nested(size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }
}  // namespace

TEST_CASE("json_limits: nesting up to the limit parses, one more is too_deep") {
  auto ok = json_limits::parse(nested(json_limits::kMaxDepth));
  REQUIRE(ok);
  CHECK(json_limits::depth(*ok) == json_limits::kMaxDepth);
  auto deep = json_limits::parse(nested(json_limits::kMaxDepth + 1));
  REQUIRE_FALSE(deep);
  CHECK(deep.error().code == "too_deep");
  CHECK(deep.error().message.find("64") != std::string::npos);
  auto obj = json_limits::parse(R"({"a":{"b":[{"c":1}]}})", 3);
  REQUIRE_FALSE(obj);
  CHECK(obj.error().code == "too_deep");
  CHECK(json_limits::parse(R"({"a":{"b":[{"c":1}]}})", 4));
}

TEST_CASE("json_limits: 60,000 nested arrays are refused quickly without building a tree") {
  auto start = std::chrono::steady_clock::now();
  auto r = json_limits::parse("{\"type\":\"CHAT\",\"eventData\":{\"x\":" + nested(60000) + "}}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "too_deep");
  CHECK(json_limits::parse_or_discarded(nested(60000)).is_discarded());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("json_limits: invalid JSON and trailing bytes are invalid_json with a position") {
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1} x", "nul", "\"\\ud800\""}) {
    INFO(bad);
    auto r = json_limits::parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_json");
    CHECK_FALSE(r.error().message.empty());
  }
  auto o = json_limits::parse_ordered(R"({"b":1,"a":[true,null,1.5,"x"]})");
  REQUIRE(o);
  CHECK(o->dump() == R"({"b":1,"a":[true,null,1.5,"x"]})");
}

TEST_CASE("json_limits: depth() of a built tree stops counting at the cap") {
  CHECK(json_limits::depth(nlohmann::json(1)) == 0);
  CHECK(json_limits::depth(nlohmann::json::parse(R"({"a":[1,{"b":{}}]})")) == 4);  // {} counts, as in parse()
  nlohmann::json j = nlohmann::json::array();
  for (int i = 0; i < 200; ++i) j = nlohmann::json::array({std::move(j)});
  CHECK(json_limits::depth(j, 70) == 70);
}
