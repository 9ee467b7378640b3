// The streamer's settings (GET/PUT /api/settings) and the announcement preview.
#include "app/admin_routes.h"
#include "app/route_support.h"

namespace wm::app {

namespace {

using http::Access;
using http::Request;
using http::Response;

void put_settings(const AdminContext& ctx, const nlohmann::json& patch, Response& res) {
  auto r = ctx.settings->update(patch);
  if (!r) return error_reply(res, r.error().code == "pinned" ? 409 : 400, r.error());
  if (auto s = ctx.reconfigure(); !s) return error_reply(res, 400, s.error());
  http::json_reply(res, 200, ctx.settings->describe());
}

// The body is the preview's options too (currencyDisplay, message).
void preview(const AdminContext& ctx, const nlohmann::json& body, Response& res) {
  auto text = ctx.preview(str(body, "template"), body);
  if (!text) return error_reply(res, 400, text.error());
  http::json_reply(res, 200, {{"text", *text}});
}

}  // namespace

void register_settings_routes(http::Server& server, const AdminContext& ctx) {
  const size_t max_body = ctx.max_body;
  server.get("/plugins/wm/api/settings", Access::admin, [ctx](const Request&, Response& res) {
    http::json_reply(res, 200, ctx.settings->describe());
  });

  server.put("/plugins/wm/api/settings", Access::admin, [ctx, max_body](const Request& req, Response& res) {
    if (auto body = http::json_body(req, res, max_body)) put_settings(ctx, *body, res);
  });

  server.post("/plugins/wm/api/announce/preview", Access::admin, [ctx, max_body](const Request& req, Response& res) {
    if (auto body = http::json_body(req, res, max_body)) preview(ctx, *body, res);
  });
}

}  // namespace wm::app
