// The same-origin rule's URL normalisation (http/origin.h).
#include <catch2/catch.hpp>

#include "http/origin.h"

TEST_CASE("csrf: origin_of normalises scheme, host and default ports") {
  using wm::http::origin_of;
  CHECK(origin_of("https://Tips.Example.net:443/plugins/wm") == "https://tips.example.net");
  CHECK(origin_of("http://127.0.0.1:8085") == "http://127.0.0.1:8085");
  CHECK(origin_of("http://h:80?x") == "http://h");
  CHECK(origin_of("null").empty());
  CHECK(origin_of("ftp://h").empty());
  CHECK(origin_of("http://user@h").empty());
  CHECK(origin_of("http://").empty());
}
