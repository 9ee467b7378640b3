// Moderation routes over real HTTP on loopback: admin guard, settings validation, the queue with
// approve/reject (409 on a second decision), the log, and what the overlay stream shows.
#include <catch2/catch.hpp>

#include "alerts/sse_client.h"
#include "support/app_harness.h"
#include "support/test_support.h"

using namespace wm;
using json = nlohmann::json;
using test::RunningApp;
using test::SseClient;

namespace {

const std::string kPassword = "correct horse battery";

httplib::Headers admin() { return {{"Authorization", test::basic_auth(kPassword)}}; }

json parse(const httplib::Result& r, int status) {
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == status);
  return json::parse(r->body);
}

json put(RunningApp& app, const json& body, int status) {
  return parse(app.client().Put("/plugins/wm/api/moderation", admin(), body.dump(), "application/json"), status);
}

json post(RunningApp& app, const std::string& path, int status) {
  return parse(app.client().Post(path.c_str(), admin(), "", "application/json"), status);
}

json get(RunningApp& app, const std::string& path, int status = 200) {
  return parse(app.client().Get(path.c_str(), admin()), status);
}

std::string overlay_key(RunningApp& app) { return get(app, "/plugins/wm/api/overlays")["key"]; }

void complete_tip(RunningApp& app, const std::string& id, uint64_t units, const std::string& message) {
  events::Tip t;
  t.tip_id = id;
  t.amount = openpayments::Amount{units, "USD", 2};
  t.display_name = "Nova";
  t.message = message;
  REQUIRE(app.app().bus().publish(events::Type::tip_completed, t));
  REQUIRE(app.app().bus().drain(5000));
}

}  // namespace

TEST_CASE("moderation http: admin only; settings defaults, validation errors with field, saved settings") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  for (const char* path : {"/plugins/wm/api/moderation", "/plugins/wm/api/moderation/queue", "/plugins/wm/api/moderation/log"})
    CHECK(app.client().Get(path)->status == 401);
  CHECK(app.client().Post("/plugins/wm/api/moderation/queue/t1/approve", "", "application/json")->status == 401);
  CHECK(app.client().Put("/plugins/wm/api/moderation", "{}", "application/json")->status == 401);

  auto d = get(app, "/plugins/wm/api/moderation");
  CHECK(d["wordFilter"]["enabled"] == true);
  CHECK(d["wordFilter"]["words"] == json::array());
  CHECK(d["holdForApproval"] == false);
  CHECK(d["builtinWords"].get<int>() >= 10);

  struct Bad {
    json body;
    std::string field;
  };
  for (const auto& b : {Bad{json::array(), ""}, Bad{{{"holdForApproval", "yes"}}, "holdForApproval"},
                        Bad{{{"wordFilter", 1}}, "wordFilter"},
                        Bad{{{"wordFilter", {{"enabled", "no"}}}}, "wordFilter.enabled"},
                        Bad{{{"wordFilter", {{"words", "rude"}}}}, "wordFilter.words"},
                        Bad{{{"wordFilter", {{"words", {"ok", "!!!"}}}}}, "wordFilter.words"},
                        Bad{{{"wordFilter", {{"words", {std::string(101, 'a')}}}}}, "wordFilter.words"},
                        Bad{{{"wordFilter", {{"words", {"a\nb"}}}}}, "wordFilter.words"}}) {
    auto e = put(app, b.body, 400)["error"];
    CHECK(e["code"] == "invalid_moderation");
    CHECK(e.value("field", "") == b.field);
    CHECK_FALSE(e["message"].get<std::string>().empty());
  }
  auto saved = put(app, {{"wordFilter", {{"enabled", true}, {"words", {" rude ", "rude", "go away"}}}}, {"holdForApproval", true}}, 200);
  CHECK(saved["wordFilter"]["words"] == json{"rude", "go away"});  // trimmed, duplicates once
  CHECK(get(app, "/plugins/wm/api/moderation") == saved);
  CHECK(get(app, "/plugins/wm/api/moderation/log?limit=0", 400)["error"]["code"] == "invalid_limit");
  CHECK(get(app, "/plugins/wm/api/moderation/log?limit=x", 400)["error"]["code"] == "invalid_limit");
}

TEST_CASE("moderation http: a held tip waits without an alert; approve shows it filtered once; reject shows nothing") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  put(app, {{"wordFilter", {{"words", {"rude"}}}}, {"holdForApproval", true}}, 200);
  SseClient live(app.port(), "/plugins/wm/overlay/events?key=" + overlay_key(app));
  REQUIRE(live.wait_contains("retry: 2000"));

  complete_tip(app, "held1", 1250, "you RUDE person");
  complete_tip(app, "held2", 300, "spam");
  auto q = get(app, "/plugins/wm/api/moderation/queue")["tips"];
  REQUIRE(q.size() == 2);
  CHECK(q[0]["id"] == "held1");
  CHECK(q[0]["name"] == "Nova");
  CHECK(q[0]["message"] == "you *** person");
  CHECK(q[0]["amount"] == json{{"value", "1250"}, {"assetCode", "USD"}, {"assetScale", 2}});
  CHECK(q[0]["display"] == "12.50 USD");
  CHECK(q[0]["receivedAt"].is_string());

  auto approved = post(app, "/plugins/wm/api/moderation/queue/held1/approve", 200);
  CHECK(approved["approved"]["id"] == "held1");
  REQUIRE(live.wait_contains("\"id\":\"held1\""));
  CHECK(live.count("you *** person") == 1);
  CHECK(live.count("RUDE") == 0);
  CHECK(post(app, "/plugins/wm/api/moderation/queue/held1/approve", 409)["error"]["code"] == "already_decided");
  CHECK(post(app, "/plugins/wm/api/moderation/queue/held1/reject", 409)["error"]["code"] == "already_decided");
  post(app, "/plugins/wm/api/moderation/queue/held2/reject", 200);
  CHECK(post(app, "/plugins/wm/api/moderation/queue/held2/approve", 409)["error"]["code"] == "already_decided");
  CHECK(post(app, "/plugins/wm/api/moderation/queue/nope/approve", 404)["error"]["code"] == "not_found");
  CHECK(get(app, "/plugins/wm/api/moderation/queue")["tips"].empty());

  // Hold off: the next tip goes straight to the overlay; the rejected one never came before it.
  put(app, {{"holdForApproval", false}}, 200);
  complete_tip(app, "later", 100, "ok");
  REQUIRE(live.wait_contains("\"id\":\"later\""));
  CHECK(live.count("\"id\":\"held2\"") == 0);
  CHECK(live.count("\"id\":\"held1\"") == 1);

  auto log = get(app, "/plugins/wm/api/moderation/log?limit=3")["log"];
  REQUIRE(log.size() == 3);
  CHECK(log[0]["tipId"] == "later");
  CHECK(log[0]["decision"] == "cleared");
  CHECK(log[0]["by"] == "auto");
  CHECK(log[1]["tipId"] == "held2");
  CHECK(log[1]["decision"] == "rejected");
  CHECK(log[1]["by"] == "admin");
  CHECK(log[1]["at"].is_string());
  CHECK(log[2]["decision"] == "approved");
  CHECK(get(app, "/plugins/wm/api/moderation/log")["log"].size() == 5);
}
