#include "app/moderation_routes.h"

#include "app/route_support.h"
#include "app/tip_http.h"
#include "core/timeutil.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

// The one admin account (Basic "admin:<password>" or its session): the name in the log.
constexpr const char* kAdminName = "admin";

json tip_json(const events::Tip& t, int64_t received_ns) {
  json j = {{"id", t.tip_id},
            {"name", t.anonymous || t.display_name.empty() ? "Anonymous" : t.display_name},
            {"anonymous", t.anonymous},
            {"message", t.message},
            {"tier", t.tier}};
  if (!t.amount.empty()) {
    j["amount"] = openpayments::to_json(t.amount);
    j["display"] = openpayments::format_amount(t.amount);
  }
  if (received_ns > 0) j["receivedAt"] = timeutil::format_rfc3339(received_ns);
  return j;
}

void get_settings(const ModerationRouteConfig& c, Response& res) {
  http::json_reply(res, 200, moderation::to_json(c.moderator->settings()));
}

void put_settings(const ModerationRouteConfig& c, const Request& req, Response& res) {
  auto body = http::json_body(req, res, c.max_body);
  if (!body) return;
  auto s = moderation::parse_settings(*body);
  if (!s) return error_reply(res, 400, s.error());
  if (auto st = c.moderator->set_settings(*s); !st)
    return http::json_error(res, 503, "unavailable", "the moderation settings were not saved: " + st.error().message);
  http::json_reply(res, 200, moderation::to_json(*s));
}

void queue(const ModerationRouteConfig& c, Response& res) {
  json tips = json::array();
  for (const auto& p : c.moderator->pending(200)) tips.push_back(tip_json(p.tip, p.received_ns));
  styled_reply(res, {{"tips", tips}}, c.currency_style());
}

void decide(const ModerationRouteConfig& c, const std::string& id, bool approve, Response& res) {
  auto r = approve ? c.moderator->approve(id, kAdminName) : c.moderator->reject(id, kAdminName);
  if (!r) {
    const auto& f = r.error();
    switch (f.code) {
      case moderation::QueueError::not_found: return http::json_error(res, 404, "not_found", f.message);
      case moderation::QueueError::already_decided: return http::json_error(res, 409, "already_decided", f.message);
      case moderation::QueueError::store_error: return http::json_error(res, 503, "unavailable", f.message);
    }
  }
  styled_reply(res, {{approve ? "approved" : "rejected", tip_json(*r, 0)}}, c.currency_style());
}

void log(const ModerationRouteConfig& c, const Request& req, Response& res) {
  auto limit = int_param(req, "limit", 1, 500, Error{"invalid_limit", "limit must be a whole number from 1 to 500"});
  if (!limit) return error_reply(res, 400, limit.error());
  json out = json::array();
  for (const auto& e : c.moderator->log(static_cast<size_t>(limit->value_or(50)))) out.push_back(moderation::to_json(e));
  http::json_reply(res, 200, {{"log", out}});
}

}  // namespace

// Access::admin routes are guarded by the server (http::Server::set_admin_guard).
void register_moderation_routes(http::Server& server, const ModerationRouteConfig& c) {
  server.get("/plugins/wm/api/moderation", Access::admin, [c](const Request&, Response& res) { get_settings(c, res); });
  server.put("/plugins/wm/api/moderation", Access::admin,
             [c](const Request& req, Response& res) { put_settings(c, req, res); });
  server.get("/plugins/wm/api/moderation/queue", Access::admin, [c](const Request&, Response& res) { queue(c, res); });
  for (bool approve : {true, false}) {
    const std::string path = std::string("/plugins/wm/api/moderation/queue/") + kTipIdPattern +
                             (approve ? "/approve" : "/reject");
    server.post(path, Access::admin,
                [c, approve](const Request& req, Response& res) { decide(c, req.matches[1], approve, res); });
  }
  server.get("/plugins/wm/api/moderation/log", Access::admin,
             [c](const Request& req, Response& res) { log(c, req, res); });
}

}  // namespace wm::app
