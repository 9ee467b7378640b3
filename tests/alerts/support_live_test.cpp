// Streaming support on the admin dashboard's live stream (GET /plugins/wm/api/live): `support`
// events reach the dashboard, anonymous supporters stay "Anonymous", overlays never get them.
#include <catch2/catch.hpp>

#include "alerts/sse.h"
#include "alerts/sse_client.h"
#include "support/app_harness.h"
#include "support/test_support.h"

using namespace wm;

namespace {
const std::string kPassword = "correct horse battery";
}  // namespace

TEST_CASE("alerts: support events go to the dashboard stream only, anonymous stays Anonymous") {
  events::Support s;
  s.support_id = "s1";
  s.status = "active";
  s.rate = openpayments::Amount{120, "EUR", 2};
  s.paid = openpayments::Amount{3, "EUR", 2};
  s.display_name = "SecretName";
  s.anonymous = true;
  auto f = alerts::frame_of(events::Event{7, events::Type::support_payment, 0, s}, alerts::View{});
  REQUIRE(f);
  CHECK(f->event == "support");
  CHECK(f->dashboard_only);
  CHECK(f->data["kind"] == "payment");
  CHECK(f->data["name"] == "Anonymous");
  CHECK(f->data["display"] == "0.03 EUR");
  CHECK(f->data.dump().find("SecretName") == std::string::npos);

  test::TempDir dir;
  test::RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto res = app.client().Get("/plugins/wm/api/overlays", {{"Authorization", test::basic_auth(kPassword)}});
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const std::string key = nlohmann::json::parse(res->body)["key"];
  test::SseClient overlay(app.port(), "/plugins/wm/overlay/events?key=" + key);
  test::SseClient dash(app.port(), "/plugins/wm/api/live", "Authorization: " + test::basic_auth(kPassword) + "\r\n");
  REQUIRE(overlay.wait_contains("retry: 2000"));
  REQUIRE(dash.wait_contains("retry: 2000"));
  s.display_name = "Nova";
  s.anonymous = false;
  REQUIRE(app.app().bus().publish(events::Type::support_started, s));
  events::Tip t;
  t.tip_id = "marker";
  t.amount = openpayments::Amount{100, "EUR", 2};
  REQUIRE(app.app().bus().publish(events::Type::tip_completed, t));
  REQUIRE(dash.wait_contains("\"id\":\"marker\""));
  REQUIRE(overlay.wait_contains("\"id\":\"marker\""));
  CHECK(dash.count("event: support\n") == 1);
  CHECK(dash.count("\"name\":\"Nova\"") == 1);
  CHECK(overlay.count("event: support") == 0);
}
