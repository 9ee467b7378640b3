// stream_identity: the stream's name and logo for the widget header from Owncast's /api/config.
#include <catch2/catch.hpp>

#include "app/widget_config_routes.h"

using wm::app::stream_identity;

TEST_CASE("widget config: name and logo from Owncast's public config, logo only on the Owncast origin") {
  auto j = stream_identity("http://owncast.example:8080/", R"({"name":"Nova Live","logo":"/logo"})");
  CHECK(j["name"] == "Nova Live");
  CHECK(j["logo"] == "http://owncast.example:8080/logo");
  // Another scheme is another origin.
  CHECK(stream_identity("http://o.example", R"({"logo":"https://o.example/img/l.png"})")["logo"].is_null());
  CHECK(stream_identity("https://o.example", R"({"logo":"https://o.example/img/l.png"})")["logo"] ==
        "https://o.example/img/l.png");
  CHECK(stream_identity("https://o.example", R"({"logo":"https://evil.example/l.png"})")["logo"].is_null());
  CHECK(stream_identity("https://o.example", R"({"logo":"//evil.example/l.png"})")["logo"].is_null());
  CHECK(stream_identity("https://o.example", R"({"logo":"/a b\"<x>"})")["logo"].is_null());
  CHECK(stream_identity("https://o.example/owncast", R"({"logo":"logo.png"})")["logo"] ==
        "https://o.example/owncast/logo.png");
  auto bad = stream_identity("https://o.example", "not json");
  CHECK(bad["name"].is_null());
  CHECK(bad["logo"].is_null());
  CHECK(stream_identity("https://o.example", R"({"name":""})")["name"].is_null());
}
