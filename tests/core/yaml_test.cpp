#include <catch2/catch.hpp>

#include "core/yaml.h"

using json = nlohmann::json;

TEST_CASE("yaml: nested mappings, sequences, quotes and comments") {
  auto r = wm::yaml::parse(
      "# top\nname: demo  # trailing\nnested:\n  a: 1\n  b: \"x # not a comment\"\n  c: 'it''s'\nlist:\n  - one\n  - \"two\"\n"
      "flag: true\nobjs:\n  - k: v\n    k2: v2\n  - k: w\nempty:\n");
  REQUIRE(r);
  json want = {{"name", "demo"},
               {"nested", {{"a", "1"}, {"b", "x # not a comment"}, {"c", "it's"}}},
               {"list", {"one", "two"}},
               {"flag", true},
               {"objs", {{{"k", "v"}, {"k2", "v2"}}, {{"k", "w"}}}},
               {"empty", nullptr}};
  CHECK(*r == want);
}

TEST_CASE("yaml: a sequence may sit at its key's indentation") {
  auto r = wm::yaml::parse("events:\n- A\n- B\nnext: x\n");
  REQUIRE(r);
  CHECK((*r)["events"] == json({"A", "B"}));
  CHECK((*r)["next"] == "x");
}

TEST_CASE("yaml: unsupported or broken input is an error with a line number") {
  for (const char* bad : {"a: 1\n  b: 2\n", "a: [1, 2]\n", "a: 1\na: 2\n", "just text\n", "a:\n\t- x\n", "a: |\n  x\n"}) {
    INFO(bad);
    auto r = wm::yaml::parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_yaml");
    CHECK(r.error().message.find("line ") == 0);
  }
}
