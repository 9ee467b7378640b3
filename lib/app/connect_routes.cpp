// Owncast from the admin page: test a URL + access token, or connect with Owncast's admin password.
#include "app/admin_routes.h"
#include "app/route_support.h"
#include "app/web_monetization_routes.h"
#include "core/log.h"
#include "openpayments/client.h"
#include "owncast/admin_api.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

struct OwncastInput {
  std::string url;     // as sent; "": the configured one
  std::string secret;  // access token (test) or Owncast's admin password (connect)
  bool web_monetization = false;  // connect: also add the Web Monetization snippet to Owncast's page
};

void test_owncast(const AdminContext& ctx, OwncastInput in, Response& res) {
  const Config c = ctx.settings->effective();
  in.url = without_trailing_slashes(in.url.empty() ? c.owncast_url : in.url);
  if (in.secret.empty()) in.secret = c.owncast_token;
  if (in.url.empty()) return http::json_error(res, 400, "invalid_url", "the Owncast URL is required");
  auto p = owncast::probe(in.url, in.secret);
  if (!p)
    return http::json_reply(res, 200,
                            {{"ok", false}, {"error", {{"code", p.error().code}, {"message", p.error().message}}}});
  bool all = !in.secret.empty();
  json scopes = json::object();
  for (const auto& [k, v] : p->scopes) {
    scopes[k] = v;
    all = all && v;
  }
  // Saved when it works, so the streamer does not have to press a second button; a token
  // lacking a scope is never saved (the URL of an Owncast that answered is).
  json save = json::object();
  if (!ctx.settings->pinned("owncast-url")) save["owncast-url"] = in.url;
  if (all && !ctx.settings->pinned("owncast-token")) save["owncast-token"] = in.secret;
  if (!save.empty() && ctx.settings->update(save)) (void)ctx.reconfigure();
  http::json_reply(res, 200, {{"ok", all}, {"version", p->version}, {"online", p->online}, {"scopes", scopes}});
}

json connect_json(const owncast::ConnectReport& r) {
  return {{"webhook", {{"id", r.webhook_id}, {"created", r.webhook_created}}},
          {"accessToken", {{"created", r.token_created}, {"name", r.token_name}}},
          {"externalAction", {{"created", r.action_created}, {"updated", r.action_updated}}},
          {"version", r.version}};
}

void connect(const AdminContext& ctx, OwncastInput in, Response& res) {
  const Config c = ctx.settings->effective();
  in.url = without_trailing_slashes(in.url.empty() ? c.owncast_url : in.url);
  if (in.url.empty()) return http::json_error(res, 400, "invalid_url", "the Owncast URL is required");
  if (in.secret.empty())
    return http::json_error(res, 400, "missing_password", "the Owncast admin password is required");
  if (ctx.webhook_tokens.empty())
    return http::json_error(res, 500, "no_webhook_token", "no webhook token is configured");
  auto plan = owncast::plan_from_plugin_yml(ctx.webhook_base_url ? ctx.webhook_base_url() : ctx.public_url(),
                                            ctx.webhook_tokens.front());
  if (!plan) return error_reply(res, 500, plan.error());
  if (in.url == c.owncast_url) plan->existing_token = c.owncast_token;
  auto r = owncast::connect(in.url, in.secret, *plan);
  // Not 401: that would read as "your admin session ended" to the page.
  if (!r) return error_reply(res, r.error().code == "owncast_unauthorized" ? 400 : 502, r.error());
  if (!ctx.settings->pinned("owncast-url") && !ctx.settings->pinned("owncast-token")) {
    auto s = ctx.settings->update({{"owncast-url", in.url}, {"owncast-token", r->access_token}});
    if (!s) return error_reply(res, 500, s.error());
    if (auto st = ctx.reconfigure(); !st) return error_reply(res, 500, st.error());
  }
  log::info("connected to Owncast", {{"owncast", in.url}, {"webhook_id", std::to_string(r->webhook_id)}});
  json out = connect_json(*r);
  if (in.web_monetization) {  // connected either way: a failure here is reported, not fatal
    auto w = apply_web_monetization(in.url, in.secret, true, openpayments::wallet_address_url(c.wallet_address));
    out["webMonetization"] = w ? json{{"enabled", w->enabled}, {"changed", w->changed}}
                               : json{{"enabled", false}, {"error", {{"code", w.error().code}, {"message", w.error().message}}}};
  }
  http::json_reply(res, 200, out);
}

}  // namespace

void register_connect_routes(http::Server& server, const AdminContext& ctx) {
  const size_t max_body = ctx.max_body;
  server.post("/plugins/wm/api/owncast/test", Access::admin, [ctx, max_body](const Request& req, Response& res) {
    auto body = http::json_body(req, res, max_body);
    if (body) test_owncast(ctx, {str(*body, "url"), str(*body, "token")}, res);
  });
  server.post("/plugins/wm/api/owncast/connect", Access::admin, [ctx, max_body](const Request& req, Response& res) {
    auto body = http::json_body(req, res, max_body);
    if (body)
      connect(ctx, {str(*body, "url"), str(*body, "adminPassword"), body->value("webMonetization", json(false)) == json(true)},
              res);
  });
}

}  // namespace wm::app
