// The admin page, its session, first-run setup, login, logout and the password change.
#include <optional>

#include "app/admin_http.h"
#include "app/admin_routes.h"
#include "app/route_support.h"
#include "core/assets.h"
#include "core/log.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

struct SetupInput {
  std::string token, password;
};
struct LoginInput {
  std::string ip, password;
};
struct PasswordInput {
  std::string current, password, session;
};

void page(const Request&, Response& res) {
  auto data = assets::find("ui/admin/index.html");
  security_headers(res);
  if (!data) return http::json_error(res, 404, "not_found", "no such file");
  res.set_content(std::string(*data), "text/html; charset=utf-8");
}

void session_state(const AdminContext& ctx, const Request& req, Response& res) {
  security_headers(res);
  std::optional<admin::Session> s;
  if (std::string id = cookie_value(req, kSessionCookie); !id.empty()) s = ctx.auth->session(id);
  http::json_reply(res, 200,
                   {{"authenticated", s.has_value()},
                    {"passwordSet", ctx.auth->password_set()},
                    {"passwordPinned", ctx.auth->password_pinned()},
                    {"csrfToken", s ? json(s->csrf) : json(nullptr)},
                    {"idleTimeoutSeconds", ctx.settings->effective().admin_session_idle_s}});
}

void start_session(const AdminContext& ctx, const admin::Session& s, Response& res) {
  set_session_cookie(res, s.id, ctx.public_url);
  http::json_reply(res, 200, {{"csrfToken", s.csrf}});
}

void setup(const AdminContext& ctx, const SetupInput& in, Response& res) {
  auto s = ctx.auth->setup(in.token, in.password);
  if (!s) return auth_error_reply(res, s.error());
  log::info("admin password set through the setup link");
  start_session(ctx, *s, res);
}

void login(const AdminContext& ctx, const LoginInput& in, Response& res) {
  auto s = ctx.auth->login(in.ip, in.password);
  if (!s) {
    if (s.error().code == admin::AuthErrorCode::invalid_credentials) log::warn("admin login failed", {{"ip", in.ip}});
    return auth_error_reply(res, s.error());
  }
  start_session(ctx, *s, res);
}

void change_password(const AdminContext& ctx, const PasswordInput& in, Response& res) {
  auto s = ctx.auth->change_password(in.current, in.password, in.session);
  if (!s) return auth_error_reply(res, s.error());
  res.status = 204;
}

}  // namespace

void register_admin_login_routes(http::Server& server, const AdminContext& ctx) {
  const size_t max_body = ctx.max_body;
  server.get("/plugins/wm/admin", Access::public_, page);
  server.get("/plugins/wm/admin/session", Access::public_,
             [ctx](const Request& req, Response& res) { session_state(ctx, req, res); });

  server.post("/plugins/wm/admin/setup", Access::public_, [ctx, max_body](const Request& req, Response& res) {
    security_headers(res);
    auto body = http::json_body(req, res, max_body);
    if (body) setup(ctx, {str(*body, "token"), str(*body, "password")}, res);
  });

  server.post("/plugins/wm/admin/login", Access::public_, [ctx, max_body, &server](const Request& req, Response& res) {
    security_headers(res);
    auto body = http::json_body(req, res, max_body);
    if (body) login(ctx, {server.client_ip(req), str(*body, "password")}, res);
  });

  server.post("/plugins/wm/admin/logout", Access::admin, [ctx](const Request& req, Response& res) {
    if (std::string id = cookie_value(req, kSessionCookie); !id.empty()) ctx.auth->logout(id);
    clear_session_cookie(res, ctx.public_url);
    res.status = 204;
  });

  server.post("/plugins/wm/api/password", Access::admin, [ctx, max_body](const Request& req, Response& res) {
    auto body = http::json_body(req, res, max_body);
    if (!body) return;
    change_password(ctx, {str(*body, "current"), str(*body, "password"), cookie_value(req, kSessionCookie)}, res);
  });
}

}  // namespace wm::app
