// Goal routes over real HTTP on loopback: admin guard, validation errors with `field`, the public
// goal JSON, the `goal` SSE event, the key-guarded overlays (wrong key: 404) and their data.
#include <catch2/catch.hpp>

#include "alerts/sse_client.h"
#include "core/timeutil.h"
#include "support/app_harness.h"
#include "support/test_support.h"

using namespace wm;
using json = nlohmann::json;
using test::RunningApp;
using test::SseClient;

namespace {

const std::string kPassword = "correct horse battery";

httplib::Headers admin() { return {{"Authorization", test::basic_auth(kPassword)}}; }

httplib::Result post(RunningApp& app, const std::string& path, const json& body, bool auth = true) {
  return app.client().Post(path, auth ? admin() : httplib::Headers{}, body.dump(), "application/json");
}

std::string overlay_key(RunningApp& app) {
  auto res = app.client().Get("/plugins/wm/api/overlays", admin());
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return json::parse(res->body)["key"];
}

json get_json(RunningApp& app, const std::string& path, int status = 200) {
  auto res = app.client().Get(path);
  REQUIRE(res);
  REQUIRE(res->status == status);
  return json::parse(res->body);
}

void complete_tip(RunningApp& app, const std::string& id, uint64_t units, const std::string& name, bool anonymous) {
  events::Tip t;
  t.tip_id = id;
  t.amount = openpayments::Amount{units, "USD", 2};
  t.display_name = name;
  t.anonymous = anonymous;
  REQUIRE(app.app().bus().publish(events::Type::tip_completed, t));
  REQUIRE(app.app().bus().drain(5000));
}

const json kTarget = {{"value", "1000"}, {"assetCode", "USD"}, {"assetScale", 2}};

}  // namespace

TEST_CASE("goals http: admin guard, validation errors with field, create/list/end and the public goal") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto unauth = post(app, "/plugins/wm/api/goals", {{"title", "Mic"}, {"target", kTarget}}, false);
  REQUIRE(unauth);
  CHECK(unauth->status == 401);
  auto end_unauth = post(app, "/plugins/wm/api/goals/end", json::object(), false);
  REQUIRE(end_unauth);
  CHECK(end_unauth->status == 401);

  auto bad = post(app, "/plugins/wm/api/goals", {{"title", "Mic"}, {"target", {{"value", "1.5"}}}});
  REQUIRE(bad);
  CHECK(bad->status == 400);
  auto err = json::parse(bad->body)["error"];
  CHECK(err["code"] == "invalid_goal");
  CHECK(err["field"] == "target");

  CHECK(get_json(app, "/plugins/wm/goal") == json{{"active", false}});
  auto created = post(app, "/plugins/wm/api/goals", {{"title", "New mic"}, {"target", kTarget}});
  REQUIRE(created);
  REQUIRE(created->status == 201);
  complete_tip(app, "t1", 250, "Nova", false);
  auto g = get_json(app, "/plugins/wm/goal");
  CHECK(g["active"] == true);
  CHECK(g["title"] == "New mic");
  CHECK(g["current"]["value"] == "250");
  CHECK(g["current"]["display"] == "2.50 USD");
  CHECK(g["target"]["display"] == "10.00 USD");
  CHECK(g["percent"] == 25);
  CHECK(g["reached"] == false);
  CHECK(g["startedAt"].is_string());

  auto list = app.client().Get("/plugins/wm/api/goals", admin());
  REQUIRE(list);
  REQUIRE(list->status == 200);
  CHECK(json::parse(list->body)["goals"].size() == 1);
  auto ended = post(app, "/plugins/wm/api/goals/end", json::object());
  REQUIRE(ended);
  CHECK(ended->status == 200);
  CHECK(get_json(app, "/plugins/wm/goal")["active"] == false);
  auto again = post(app, "/plugins/wm/api/goals/end", json::object());
  REQUIRE(again);
  CHECK(again->status == 404);
  CHECK(json::parse(again->body)["error"]["code"] == "no_active_goal");
}

TEST_CASE("goals http: overlays need the key (404 otherwise); goal events stream; recent and top keep privacy") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  const std::string key = overlay_key(app);
  for (const std::string page : {"goal", "recent", "top", "recent/data", "top/data"}) {
    auto wrong = app.client().Get("/plugins/wm/overlay/" + page + "?key=nope");
    REQUIRE(wrong);
    CHECK(wrong->status == 404);
    auto none = app.client().Get("/plugins/wm/overlay/" + page);
    REQUIRE(none);
    CHECK(none->status == 404);
    auto ok = app.client().Get("/plugins/wm/overlay/" + page + "?key=" + key);
    REQUIRE(ok);
    CHECK(ok->status == 200);
  }
  SseClient live(app.port(), "/plugins/wm/overlay/events?key=" + key);
  REQUIRE(live.wait_contains("retry:"));
  REQUIRE(post(app, "/plugins/wm/api/goals", {{"title", "New mic"}, {"target", kTarget}})->status == 201);
  REQUIRE(live.wait_contains("event: goal\n"));
  complete_tip(app, "t1", 1000, "Nova", false);
  REQUIRE(live.wait_contains("\"reached\":true"));
  CHECK(get_json(app, "/plugins/wm/goal")["percent"] == 100);

  complete_tip(app, "t2", 300, "Secret Name", true);
  auto recent = get_json(app, "/plugins/wm/overlay/recent/data?key=" + key)["tips"];
  REQUIRE(recent.size() == 2);
  CHECK(recent[0]["name"] == "Anonymous");
  CHECK(recent[1]["name"] == "Nova");
  CHECK(recent.dump().find("Secret Name") == std::string::npos);
  auto top = get_json(app, "/plugins/wm/overlay/top/data?key=" + key);
  CHECK(top["period"] == "stream");
  CHECK(top.dump().find("Secret Name") == std::string::npos);
}

TEST_CASE("goals http: when endsAt passes, overlays get a goal event (active:false) without a new tip") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  const std::string key = overlay_key(app);
  SseClient live(app.port(), "/plugins/wm/overlay/events?key=" + key);
  REQUIRE(live.wait_contains("retry:"));
  const std::string ends = timeutil::format_rfc3339(timeutil::now_ns() + 1'500'000'000);
  auto res = post(app, "/plugins/wm/api/goals", {{"title", "Quick one"}, {"target", kTarget}, {"endsAt", ends}});
  REQUIRE(res);
  REQUIRE(res->status == 201);
  REQUIRE(live.wait_contains("\"active\":true"));
  CHECK(get_json(app, "/plugins/wm/goal")["active"] == true);
  REQUIRE(live.wait_contains("\"active\":false", 10000));
  CHECK(get_json(app, "/plugins/wm/goal")["active"] == false);
  CHECK(live.count("event: goal\n") == 2);  // started, then ended: once
}
