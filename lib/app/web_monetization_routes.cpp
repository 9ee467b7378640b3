// Web Monetization on Owncast's page from the admin page: see the state and the snippet, switch it
// on or off with Owncast's admin password (used for the call only, never stored).
#include "app/admin_routes.h"
#include "app/route_support.h"
#include "app/web_monetization_routes.h"
#include "core/log.h"
#include "openpayments/client.h"
#include "owncast/admin_api.h"
#include "owncast/web_monetization.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

std::string wallet_url(const Config& c) { return openpayments::wallet_address_url(c.wallet_address); }

void show(const AdminContext& ctx, Response& res) {
  const Config c = ctx.settings->effective();
  json out = {{"walletAddress", c.wallet_address.empty() ? json(nullptr) : json(wallet_url(c))},
              {"snippet", nullptr}, {"enabled", nullptr}, {"error", nullptr}};
  if (auto snippet = owncast::monetization_snippet(wallet_url(c))) out["snippet"] = *snippet;
  if (c.owncast_url.empty()) {
    out["error"] = {{"code", "owncast_not_configured"}, {"message", "connect Owncast first (Settings → Owncast)"}};
  } else if (auto on = owncast::web_monetization_enabled(c.owncast_url)) {
    out["enabled"] = *on;
  } else {
    out["error"] = {{"code", on.error().code}, {"message", on.error().message}};
  }
  http::json_reply(res, 200, out);
}

void change(const AdminContext& ctx, const json& body, Response& res) {
  if (!body.contains("enabled") || !body["enabled"].is_boolean())
    return error_reply(res, 400, Error{"invalid_request", "send {\"enabled\": true|false, \"adminPassword\": \"…\"}", "enabled"});
  const Config c = ctx.settings->effective();
  const std::string url = without_trailing_slashes(str(body, "url").empty() ? c.owncast_url : str(body, "url"));
  if (url.empty()) return error_reply(res, 400, Error{"invalid_url", "the Owncast URL is required", "url"});
  const std::string password = str(body, "adminPassword");
  if (password.empty())
    return error_reply(res, 400, Error{"missing_password", "the Owncast admin password is required", "adminPassword"});
  auto r = apply_web_monetization(url, password, body["enabled"].get<bool>(), wallet_url(c));
  if (!r) return error_reply(res, r.error().code == "owncast_unauthorized" || r.error().code == "invalid_wallet" ? 400 : 502,
                             r.error());
  http::json_reply(res, 200, {{"enabled", r->enabled}, {"changed", r->changed}});
}

}  // namespace

Result<owncast::MonetizationChange> apply_web_monetization(const std::string& owncast_url, const std::string& password,
                                                           bool enabled, const std::string& wallet_url) {
  std::string snippet;
  if (enabled) {
    auto s = owncast::monetization_snippet(wallet_url);
    if (!s) return s.error();
    snippet = std::move(*s);
  }
  auto r = owncast::set_web_monetization(owncast_url, password, snippet);
  if (r && r->changed) log::info(enabled ? "Web Monetization added to Owncast's page" : "Web Monetization removed from Owncast's page",
                                 {{"owncast", owncast_url}});
  return r;
}

void register_web_monetization_routes(http::Server& server, const AdminContext& ctx) {
  server.get("/plugins/wm/api/web-monetization", Access::admin,
             [ctx](const Request&, Response& res) { show(ctx, res); });
  const size_t max_body = ctx.max_body;
  server.post("/plugins/wm/api/web-monetization", Access::admin, [ctx, max_body](const Request& req, Response& res) {
    auto body = http::json_body(req, res, max_body);
    if (body) change(ctx, *body, res);
  });
}

}  // namespace wm::app
