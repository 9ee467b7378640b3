// The streaming-support bus events: journaled (durable) like money events, round-trip through the
// journal's JSON, and offered to outgoing webhooks with their payload and Discord sentence.
#include <catch2/catch.hpp>

#include "events/events.h"
#include "webhooks/payload.h"

using namespace wm;

TEST_CASE("support events: durable, named, journal round trip and webhook payload", "[support]") {
  events::Event e;
  e.seq = 5;
  e.type = events::Type::support_payment;
  e.at_ns = 1800000000LL * 1000000000;
  e.body = events::Support{"sAbc", "active", {10000, "EUR", 2}, {3, "EUR", 2}, {8, "EUR", 2}, "Alice", false, "", ""};
  for (auto t : {events::Type::support_started, events::Type::support_payment, events::Type::support_stopped}) {
    CHECK(events::durable(t));
    CHECK(events::type_from_name(events::name(t)) == t);
  }
  CHECK(events::name(events::Type::support_payment) == "support.payment");
  auto back = events::from_json(events::to_json(e));
  REQUIRE(back);
  REQUIRE(back->support());
  CHECK(back->support()->amount == openpayments::Amount{3, "EUR", 2});
  CHECK(back->support()->paid == openpayments::Amount{8, "EUR", 2});
  CHECK(back->support()->display_name == "Alice");
  const auto p = webhooks::payload(e, "msg_1", {});
  CHECK(p["type"] == "support.payment");
  CHECK(p["data"]["supportId"] == "sAbc");
  CHECK(p["data"]["amountDisplay"] == "0.03 EUR");
  CHECK(p["data"]["paid"]["value"] == "8");
  const auto d = webhooks::discord_body(e, {});
  CHECK(d.dump().find("Alice") != std::string::npos);
}
