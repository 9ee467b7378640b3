#include "app/goal_routes.h"

#include "analytics/leaderboard.h"
#include "app/route_support.h"
#include "core/assets.h"
#include "core/timeutil.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

constexpr const char* kOverlayCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";
constexpr size_t kRecent = 10;

// Wrong or missing key: 404 exactly like an unknown route.
bool key_ok(const GoalRouteConfig& c, const Request& req, Response& res) {
  if (c.key->matches(req.get_param_value("key"))) return true;
  http::json_error(res, 404, "not_found", "no such route");
  return false;
}

void page(const GoalRouteConfig& c, const std::string& name, const Request& req, Response& res) {
  if (!key_ok(c, req, res)) return;
  auto body = assets::find("ui/overlay/" + name + ".html");
  if (!body) return http::json_error(res, 404, "not_found", "no such file");
  res.set_header("Content-Security-Policy", kOverlayCsp);
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::string(*body), "text/html; charset=utf-8");
}

// The newest completed tips that passed moderation (tip.cleared) in the bus journal (24 h / 1,000 events), newest first.
json recent(const GoalRouteConfig& c) {
  const alerts::View v = c.view();
  const uint64_t last = c.bus->last_seq();
  uint64_t after = last > 2000 ? last - 2000 : 0;
  std::vector<json> items;
  for (;;) {
    auto batch = c.bus->journal(after, 500);
    for (const auto& e : batch) {
      after = e.seq;
      if (e.type != events::Type::tip_cleared) continue;  // what passed moderation
      if (auto f = alerts::frame_of(e, v); f && f->event == "tip") items.push_back(f->data);
    }
    if (batch.size() < 500) break;
  }
  json out = json::array();
  for (auto it = items.rbegin(); it != items.rend() && out.size() < kRecent; ++it) out.push_back(*it);
  return {{"tips", out}};
}

void create(const GoalRouteConfig& c, const Request& req, Response& res) {
  auto body = http::json_body(req, res, c.max_body);
  if (!body) return;
  auto in = alerts::parse_goal_input(*body, timeutil::now_ns());
  if (!in) return error_reply(res, 400, in.error());
  auto g = c.goals->create(*in);
  if (!g) return http::json_error(res, 503, "unavailable", "the goal was not saved: " + g.error().message);
  json out = goal_public_json(*g, c.view().style);
  http::json_reply(res, 201, out);
}

void list(const GoalRouteConfig& c, Response& res) {
  const auto style = c.view().style;
  json goals = json::array();
  for (const auto& g : c.goals->history(50)) goals.push_back(goal_public_json(g, style));
  auto active = c.goals->active();
  http::json_reply(res, 200, {{"active", active ? goal_public_json(*active, style) : json(nullptr)}, {"goals", goals}});
}

}  // namespace

json goal_public_json(const alerts::Goal& g, openpayments::CurrencyStyle style) {
  json j = alerts::to_json(g, timeutil::now_ns());
  openpayments::restyle_displays(j, style);
  return j;
}

void register_goal_routes(http::Server& server, const GoalRouteConfig& c) {
  server.post("/plugins/wm/api/goals", Access::admin, [c](const Request& req, Response& res) { create(c, req, res); });
  server.get("/plugins/wm/api/goals", Access::admin, [c](const Request&, Response& res) { list(c, res); });
  server.post("/plugins/wm/api/goals/end", Access::admin, [c](const Request&, Response& res) {
    auto g = c.goals->end();
    if (!g && g.error().code == "no_active_goal") return http::json_error(res, 404, "no_active_goal", g.error().message);
    if (!g) return http::json_error(res, 503, "unavailable", "the goal was not ended: " + g.error().message);
    http::json_reply(res, 200, {{"ended", goal_public_json(*g, c.view().style)}});
  });
  server.get("/plugins/wm/goal", Access::public_, [c](const Request&, Response& res) {
    res.set_header("Access-Control-Allow-Origin", "*");
    res.set_header("Cache-Control", "no-store");
    auto g = c.goals->active();
    http::json_reply(res, 200, g ? goal_public_json(*g, c.view().style) : json{{"active", false}});
  });
  for (const char* name : {"goal", "recent", "top"}) {
    server.get(std::string("/plugins/wm/overlay/") + name, Access::public_,
               [c, n = std::string(name)](const Request& req, Response& res) { page(c, n, req, res); });
  }
  server.get("/plugins/wm/overlay/recent/data", Access::public_, [c](const Request& req, Response& res) {
    if (!key_ok(c, req, res)) return;
    res.set_header("Cache-Control", "no-store");
    http::json_reply(res, 200, recent(c));
  });
  server.get("/plugins/wm/overlay/top/data", Access::public_, [c](const Request& req, Response& res) {
    if (!key_ok(c, req, res)) return;
    res.set_header("Cache-Control", "no-store");
    auto l = analytics::leaderboard(*c.store, "stream", timeutil::now_ns(), c.live_stream_session());
    if (!l) return error_reply(res, 400, l.error());
    styled_reply(res, std::move(*l), c.view().style);
  });
}

}  // namespace wm::app
