// The chat announcement when a viewer starts streaming support.
#include <catch2/catch.hpp>

#include "notify/announce.h"
#include "notify/support_announcer.h"

using namespace wm;

namespace {
events::Support started(std::string name, bool anonymous) {
  events::Support s;
  s.support_id = "s1";
  s.status = "active";
  s.rate = openpayments::Amount{120, "EUR", 2};
  s.display_name = std::move(name);
  s.anonymous = anonymous;
  return s;
}
}  // namespace

TEST_CASE("notify: support announcement renders {name} and {rate}; anonymous stays Someone") {
  notify::SupportAnnounceConfig c;
  auto t = notify::support_announcement(started("Nova", false), c);
  REQUIRE(t.ok());
  CHECK(*t == "💜 Nova is now supporting the stream with 1.20 EUR per hour");
  c.tmpl = "{name} supports at {rate}/h during {title}";
  c.title = "Jam";
  c.style = openpayments::CurrencyStyle::symbol;
  auto anon = notify::support_announcement(started("HiddenName", true), c);
  REQUIRE(anon.ok());
  CHECK(*anon == "Someone supports at €1.20/h during Jam");
  CHECK(notify::validate_template(notify::support_template("{name} {rate} {nope}")).error().code == "invalid_template");
}
