#include "app/admin_routes.h"

#include <charconv>
#include <filesystem>

#include "analytics/leaderboard.h"
#include "analytics/summary.h"
#include "analytics/support.h"
#include "analytics/tips_export.h"
#include "app/op_config.h"
#include "app/setup_state.h"
#include "core/assets.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/auth.h"
#include "openpayments/client.h"
#include "openpayments/errors.h"
#include "openpayments/keys.h"
#include "owncast/admin_api.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

constexpr const char* kCookie = "wm_admin";
constexpr const char* kAdminCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

void security_headers(Response& res) {
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Content-Security-Policy", kAdminCsp);
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
}

std::string cookie_value(const Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    const size_t b = part.find_first_not_of(' ');
    if (b != std::string::npos) part = part.substr(b);
    if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 && part[name.size()] == '=')
      return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return {};
}

bool secure(const std::function<std::string()>& public_url) {
  return public_url && public_url().rfind("https://", 0) == 0;
}

void set_session_cookie(Response& res, const std::string& id, bool secure_cookie) {
  res.set_header("Set-Cookie", std::string(kCookie) + "=" + id + "; Path=/plugins/wm; HttpOnly; SameSite=Strict" +
                                   (secure_cookie ? "; Secure" : ""));
}

void clear_session_cookie(Response& res, bool secure_cookie) {
  res.set_header("Set-Cookie", std::string(kCookie) + "=; Path=/plugins/wm; Max-Age=0; HttpOnly; SameSite=Strict" +
                                   (secure_cookie ? "; Secure" : ""));
}

void auth_error(Response& res, const admin::AuthError& e) {
  if (e.retry_after > 0) res.set_header("Retry-After", std::to_string(e.retry_after));
  http::json_error(res, e.status, e.code, e.message);
}

bool state_changing(const Request& req) {
  return req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS";
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t now_ns() { return timeutil::now_ns(); }

// {"error":{code, message, field?}}: `field` names the request member at fault, for forms.
void error_reply(Response& res, int status, const Error& e) {
  if (e.field.empty()) return http::json_error(res, status, e.code, e.message);
  http::json_reply(res, status, json{{"error", {{"code", e.code}, {"message", e.message}, {"field", e.field}}}});
}

// 200 with every "display" amount in the streamer's currency style.
void styled_reply(Response& res, json out, const AdminContext& ctx) {
  if (ctx.currency_style) openpayments::restyle_displays(out, ctx.currency_style());
  http::json_reply(res, 200, out);
}

// A client for lookups that need no signature (wallet address documents), with the same
// transport rules (SSRF guard, dev hosts, timeout) as the tip client.
openpayments::Client lookup_client(const Config& c) {
  auto cc = op_client_config(c, false);
  return openpayments::Client(cc ? *cc : openpayments::ClientConfig{});
}

json wallet_json(const openpayments::WalletAddress& w) {
  return {{"id", w.id},
          {"publicName", w.public_name ? json(*w.public_name) : json(nullptr)},
          {"assetCode", w.asset_code},
          {"assetScale", w.asset_scale},
          {"authServer", w.auth_server},
          {"resourceServer", w.resource_server}};
}

}  // namespace

http::AdminGuard make_admin_guard(admin::AdminAuth& auth, std::function<std::string()> public_url,
                                  const http::Server& server) {
  return [&auth, public_url, &server](const Request& req, Response& res) {
    security_headers(res);
    if (!auth.password_set()) {
      http::json_error(res, 403, "admin_disabled",
                       "no admin password is set yet: open the setup link owncast-wm printed at start, or set "
                       "--admin-password");
      return false;
    }
    // Cross-site and non-JSON writes are refused before any credential is looked at.
    if (!http::admin_write_allowed(req, res, public_url ? public_url() : std::string())) return false;
    const std::string authz = req.get_header_value("Authorization");
    if (!authz.empty()) {
      // Wrong passwords here count toward the same per-IP backoff as the login form.
      const std::string ip = server.client_ip(req);
      if (auto limited = auth.begin_attempt(ip)) {
        auth_error(res, *limited);
        return false;
      }
      if (auth.check_basic(authz)) {
        auth.attempt_succeeded(ip);
        return true;
      }
      res.set_header("WWW-Authenticate", "Basic realm=\"owncast-wm\", charset=\"UTF-8\"");
      http::json_error(res, 401, "unauthorized", "admin credentials required");
      return false;
    }
    const std::string id = cookie_value(req, kCookie);
    if (!id.empty()) {
      if (auto s = auth.session(id)) {
        if (state_changing(req) && !admin::AdminAuth::csrf_ok(*s, req.get_header_value("X-CSRF-Token"))) {
          http::json_error(res, 403, "csrf_failed", "missing or wrong X-CSRF-Token header; reload the admin page");
          return false;
        }
        return true;
      }
    }
    http::json_error(res, 401, "unauthorized", "log in to the admin page, or use HTTP Basic with user 'admin'");
    return false;
  };
}

void register_admin_routes(http::Server& server, const AdminContext& ctx, const http::AdminGuard& guard) {
  auto admin = [guard](http::Handler h) {
    return [guard, h = std::move(h)](const Request& req, Response& res) {
      if (guard(req, res)) h(req, res);
    };
  };
  const size_t max_body = ctx.max_body;

  // ---- the page and the session ------------------------------------------------------------
  server.get("/plugins/wm/admin", Access::public_, [](const Request&, Response& res) {
    auto data = assets::find("ui/admin/index.html");
    security_headers(res);
    if (!data) return http::json_error(res, 404, "not_found", "no such file");
    res.set_content(std::string(*data), "text/html; charset=utf-8");
  });

  server.get("/plugins/wm/admin/session", Access::public_, [ctx](const Request& req, Response& res) {
    security_headers(res);
    std::optional<admin::Session> s;
    if (std::string id = cookie_value(req, kCookie); !id.empty()) s = ctx.auth->session(id);
    http::json_reply(res, 200,
                     {{"authenticated", s.has_value()},
                      {"passwordSet", ctx.auth->password_set()},
                      {"passwordPinned", ctx.auth->password_pinned()},
                      {"csrfToken", s ? json(s->csrf) : json(nullptr)},
                      {"idleTimeoutSeconds", ctx.settings->effective().admin_session_idle_s}});
  });

  server.post("/plugins/wm/admin/setup", Access::public_, [ctx, max_body](const Request& req, Response& res) {
    security_headers(res);
    auto body = http::json_body(req, res, max_body);
    if (!body) return;
    auto s = ctx.auth->setup(str(*body, "token"), str(*body, "password"));
    if (!s) return auth_error(res, s.error());
    log::info("admin password set through the setup link");
    set_session_cookie(res, s->id, secure(ctx.public_url));
    http::json_reply(res, 200, {{"csrfToken", s->csrf}});
  });

  server.post("/plugins/wm/admin/login", Access::public_, [ctx, max_body, &server](const Request& req, Response& res) {
    security_headers(res);
    auto body = http::json_body(req, res, max_body);
    if (!body) return;
    const std::string ip = server.client_ip(req);
    auto s = ctx.auth->login(ip, str(*body, "password"));
    if (!s) {
      if (s.error().status == 401) log::warn("admin login failed", {{"ip", ip}});
      return auth_error(res, s.error());
    }
    set_session_cookie(res, s->id, secure(ctx.public_url));
    http::json_reply(res, 200, {{"csrfToken", s->csrf}});
  });

  server.post("/plugins/wm/admin/logout", Access::admin, admin([ctx](const Request& req, Response& res) {
                if (std::string id = cookie_value(req, kCookie); !id.empty()) ctx.auth->logout(id);
                clear_session_cookie(res, secure(ctx.public_url));
                res.status = 204;
              }));

  server.post("/plugins/wm/api/password", Access::admin, admin([ctx, max_body](const Request& req, Response& res) {
                auto body = http::json_body(req, res, max_body);
                if (!body) return;
                auto s = ctx.auth->change_password(str(*body, "current"), str(*body, "password"),
                                                   cookie_value(req, kCookie));
                if (!s) {
                  const std::string& c = s.error().code;
                  const int status = c == "invalid_credentials"                      ? 401
                                     : c == "password_pinned" || c == "conflict" ? 409
                                     : c == "store_error"                        ? 500
                                                                                 : 400;
                  return error_reply(res, status, s.error());
                }
                res.status = 204;
              }));

  // ---- settings --------------------------------------------------------------------------------
  server.get("/plugins/wm/api/settings", Access::admin, admin([ctx](const Request&, Response& res) {
               http::json_reply(res, 200, ctx.settings->describe());
             }));

  server.put("/plugins/wm/api/settings", Access::admin, admin([ctx, max_body](const Request& req, Response& res) {
               auto body = http::json_body(req, res, max_body);
               if (!body) return;
               auto r = ctx.settings->update(*body);
               if (!r) return error_reply(res, r.error().code == "pinned" ? 409 : 400, r.error());
               if (auto s = ctx.reconfigure(); !s) return error_reply(res, 400, s.error());
               http::json_reply(res, 200, ctx.settings->describe());
             }));

  // ---- guided setup ------------------------------------------------------------------------------
  server.post("/plugins/wm/api/setup/wallet", Access::admin,
              admin([ctx, max_body](const Request& req, Response& res) {
                auto body = http::json_body(req, res, max_body);
                if (!body) return;
                const std::string typed = str(*body, "walletAddress");
                if (typed.empty() || typed.size() > 2048)
                  return http::json_error(res, 400, "invalid_wallet_address", "walletAddress is required");
                if (ctx.settings->pinned("wallet-address"))
                  return http::json_error(res, 409, "pinned", "wallet-address is set by a flag; change it there");
                auto client = lookup_client(ctx.settings->effective());
                auto w = client.get_wallet_address(openpayments::wallet_address_url(typed));
                if (!w) {  // a person's sentence (openpayments/errors.h); 502 only when nobody answered
                  const auto p = openpayments::for_person(w.error(), openpayments::Step::setup_wallet);
                  return http::json_error(res, p.fault == openpayments::Fault::unreachable ? 502 : 400,
                                          "wallet_unreachable", p.message);
                }
                if (!w->public_name || w->public_name->empty())
                  return http::json_error(res, 400, "missing_public_name",
                                          "this wallet address has no public name; wallets refuse interactive "
                                          "grants for it. Set a public name in your wallet");
                if (auto s = ctx.settings->set("wallet-address", w->id, WalletAsset{w->asset_code, w->asset_scale}); !s)
                  return error_reply(res, 400, s.error());
                if (auto s = ctx.reconfigure(); !s) return error_reply(res, 400, s.error());
                record_wallet_check(*ctx.store, wallet_json(*w));
                http::json_reply(res, 200, wallet_json(*w));
              }));

  server.post("/plugins/wm/api/setup/key", Access::admin, admin([ctx, max_body](const Request& req, Response& res) {
                auto body = http::json_body(req, res, max_body);
                if (!body) return;
                if (ctx.settings->pinned("key-file") || ctx.settings->pinned("key-id"))
                  return http::json_error(res, 409, "pinned", "the client key is set by flags; change it there");
                std::string key_id = str(*body, "keyId");
                const bool generate = body->value("generate", false);
                if (key_id.empty() && generate) key_id = "owncast-wm-" + crypto::hex(crypto::random_bytes(4));
                if (key_id.empty() || key_id.size() > 256)
                  return http::json_error(res, 400, "invalid_key_id", "keyId is required (the key id your wallet shows)");
                auto key = generate ? openpayments::PrivateKey::generate()
                                    : openpayments::PrivateKey::from_pem(str(*body, "privateKey"));
                if (!key) return error_reply(res, 400, key.error());
                const std::string path = ctx.data_dir + "/client-key.pem";
                if (auto s = key->write_pem_file(path, true); !s) return error_reply(res, 500, s.error());
                auto r = ctx.settings->update({{"key-id", key_id}, {"key-file", path}});
                if (!r) return error_reply(res, 400, r.error());
                if (auto s = ctx.reconfigure(); !s) return error_reply(res, 400, s.error());
                json out{{"keyId", key_id},
                         {"generated", generate},
                         {"jwk", key->public_jwk(key_id)},
                         {"instructions",
                          "Upload this public key in your wallet provider's developer keys for your wallet "
                          "address, with the key id shown. The private key stays on this server (" +
                              path + ", mode 0600)."}};
                http::json_reply(res, 200, out);
              }));

  server.post("/plugins/wm/api/setup/key/test", Access::admin, admin([ctx](const Request&, Response& res) {
                const Config c = ctx.settings->effective();
                auto fail = [&](const std::string& code, const std::string& message) {
                  record_key_test(*ctx.store, c, false, code, message);
                  http::json_reply(res, 200, {{"ok", false}, {"error", {{"code", code}, {"message", message}}}});
                };
                if (c.wallet_address.empty()) return fail("not_configured", "set the receiving wallet address first");
                if (c.key_id.empty() || c.key_file.empty()) return fail("not_configured", "add a client key first");
                auto cc = op_client_config(c, true);
                if (!cc) return fail(cc.error().code, cc.error().message);
                openpayments::Client client(*cc);
                auto w = client.get_wallet_address(openpayments::wallet_address_url(c.wallet_address));
                if (!w) return fail("wallet_unreachable", openpayments::for_person(w.error(), openpayments::Step::setup_wallet).message);
                openpayments::GrantRequest g;
                g.access.push_back({"incoming-payment", {"create", "read"}, std::nullopt, std::nullopt});
                auto grant = client.request_grant(w->auth_server, g);
                if (!grant) {
                  std::string code = grant.error().code.empty() ? "grant_refused" : grant.error().code;
                  return fail(code, openpayments::for_person(grant.error(), openpayments::Step::key_test).message);
                }
                // Leave no live token behind.
                if (grant->access_token) (void)client.revoke_token(*grant->access_token);
                if (grant->continuation) (void)client.cancel_grant(*grant->continuation);
                record_key_test(*ctx.store, c, true, "", "");
                http::json_reply(res, 200, {{"ok", true}, {"authServer", w->auth_server}});
              }));

  // ---- Owncast -----------------------------------------------------------------------------------
  server.post("/plugins/wm/api/owncast/test", Access::admin, admin([ctx, max_body](const Request& req, Response& res) {
                auto body = http::json_body(req, res, max_body);
                if (!body) return;
                const Config c = ctx.settings->effective();
                std::string url = str(*body, "url"), token = str(*body, "token");
                if (url.empty()) url = c.owncast_url;
                if (token.empty()) token = c.owncast_token;
                while (!url.empty() && url.back() == '/') url.pop_back();
                if (url.empty()) return http::json_error(res, 400, "invalid_url", "the Owncast URL is required");
                auto p = owncast::probe(url, token);
                if (!p)
                  return http::json_reply(res, 200,
                                          {{"ok", false},
                                           {"error", {{"code", p.error().code}, {"message", p.error().message}}}});
                bool all = !token.empty();
                json scopes = json::object();
                for (const auto& [k, v] : p->scopes) {
                  scopes[k] = v;
                  all = all && v;
                }
                // Saved when it works, so the streamer does not have to press a second button; a
                // token lacking a scope is never saved (the URL of an Owncast that answered is).
                json save = json::object();
                if (!ctx.settings->pinned("owncast-url")) save["owncast-url"] = url;
                if (all && !ctx.settings->pinned("owncast-token")) save["owncast-token"] = token;
                if (!save.empty() && ctx.settings->update(save)) (void)ctx.reconfigure();
                http::json_reply(res, 200,
                                 {{"ok", all}, {"version", p->version}, {"online", p->online}, {"scopes", scopes}});
              }));

  server.post("/plugins/wm/api/owncast/connect", Access::admin,
              admin([ctx, max_body](const Request& req, Response& res) {
                auto body = http::json_body(req, res, max_body);
                if (!body) return;
                const Config c = ctx.settings->effective();
                std::string url = str(*body, "url");
                if (url.empty()) url = c.owncast_url;
                while (!url.empty() && url.back() == '/') url.pop_back();
                const std::string password = str(*body, "adminPassword");
                if (url.empty()) return http::json_error(res, 400, "invalid_url", "the Owncast URL is required");
                if (password.empty())
                  return http::json_error(res, 400, "missing_password", "the Owncast admin password is required");
                if (ctx.webhook_tokens.empty())
                  return http::json_error(res, 500, "no_webhook_token", "no webhook token is configured");
                auto plan = owncast::plan_from_plugin_yml(
                    ctx.webhook_base_url ? ctx.webhook_base_url() : ctx.public_url(), ctx.webhook_tokens.front());
                if (!plan) return error_reply(res, 500, plan.error());
                if (url == c.owncast_url) plan->existing_token = c.owncast_token;
                auto r = owncast::connect(url, password, *plan);
                if (!r) {
                  // Not 401: that would read as "your admin session ended" to the page.
                  const int status = r.error().code == "owncast_unauthorized" ? 400 : 502;
                  return error_reply(res, status, r.error());
                }
                if (!ctx.settings->pinned("owncast-url") && !ctx.settings->pinned("owncast-token")) {
                  auto s = ctx.settings->update({{"owncast-url", url}, {"owncast-token", r->access_token}});
                  if (!s) return error_reply(res, 500, s.error());
                  if (auto st = ctx.reconfigure(); !st) return error_reply(res, 500, st.error());
                }
                log::info("connected to Owncast", {{"owncast", url}, {"webhook_id", std::to_string(r->webhook_id)}});
                http::json_reply(res, 200,
                                 {{"webhook", {{"id", r->webhook_id}, {"created", r->webhook_created}}},
                                  {"accessToken", {{"created", r->token_created}, {"name", r->token_name}}},
                                  {"externalAction", {{"created", r->action_created}, {"updated", r->action_updated}}},
                                  {"version", r->version}});
              }));

  server.post("/plugins/wm/api/announce/preview", Access::admin,
              admin([ctx, max_body](const Request& req, Response& res) {
                auto body = http::json_body(req, res, max_body);
                if (!body) return;
                auto text = ctx.preview(str(*body, "template"), *body);
                if (!text) return error_reply(res, 400, text.error());
                http::json_reply(res, 200, {{"text", *text}});
              }));

  // ---- tips, analytics -----------------------------------------------------------------------------
  server.get("/plugins/wm/api/tips", Access::admin, admin([ctx](const Request& req, Response& res) {
               analytics::TipFilter f;
               f.status = req.get_param_value("status");
               f.before = req.get_param_value("before");
               const std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
               if (format != "json" && format != "csv")
                 return http::json_error(res, 400, "invalid_parameter", "'format' must be json or csv");
               f.limit = format == "csv" ? 1000 : 50;
               if (req.has_param("limit")) {
                 const std::string v = req.get_param_value("limit");
                 size_t n = 0;
                 auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
                 if (ec != std::errc() || p != v.data() + v.size() || n == 0 || n > 1000)
                   return http::json_error(res, 400, "invalid_parameter", "'limit' must be 1-1000");
                 f.limit = n;
               }
               for (const char* k : {"from", "to"}) {
                 if (!req.has_param(k)) continue;
                 auto t = timeutil::parse_rfc3339(req.get_param_value(k));
                 if (!t || t->zero) return http::json_error(res, 400, "invalid_parameter", std::string("'") + k + "' must be an RFC 3339 time");
                 (std::string(k) == "from" ? f.from_ns : f.to_ns) = t->unix_ns;
               }
               if (format == "csv") {  // every matching tip, page by page
                 json all = json::array();
                 for (;;) {
                   auto page = analytics::list_tips(*ctx.store, f);
                   if (!page) return error_reply(res, 400, page.error());
                   for (auto& t : (*page)["tips"]) all.push_back(std::move(t));
                   if ((*page)["next"].is_null()) break;
                   f.before = (*page)["next"].get<std::string>();
                 }
                 res.set_header("Content-Disposition", "attachment; filename=\"tips.csv\"");
                 res.set_content(analytics::tips_csv(all), "text/csv; charset=utf-8");
                 return;
               }
               auto list = analytics::list_tips(*ctx.store, f);
               if (!list) return error_reply(res, 400, list.error());
               styled_reply(res, std::move(*list), ctx);
             }));

  server.post(R"(/plugins/wm/api/tips/([A-Za-z0-9_-]{1,64})/hide)", Access::admin,
              admin([ctx, max_body](const Request& req, Response& res) {
                auto body = http::json_body(req, res, max_body);
                if (!body) return;
                auto svc = ctx.tips();
                const std::string id = req.matches[1];
                auto t = svc ? svc->get(id) : std::nullopt;
                if (!t) return http::json_error(res, 404, "not_found", "no tip with this id");
                if (auto s = analytics::set_hidden(*ctx.store, id, body->value("hidden", true)); !s)
                  return error_reply(res, 500, s.error());
                json out = tips::to_public(*t);
                out["hidden"] = analytics::is_hidden(*ctx.store, id);
                http::json_reply(res, 200, out);
              }));

  server.post(R"(/plugins/wm/api/tips/([A-Za-z0-9_-]{1,64})/announce)", Access::admin,
              admin([ctx](const Request& req, Response& res) {
                auto svc = ctx.tips();
                auto t = svc ? svc->get(req.matches[1]) : std::nullopt;
                if (!t) return http::json_error(res, 404, "not_found", "no tip with this id");
                if (t->status != "completed")
                  return http::json_error(res, 409, "not_completed", "only completed tips are announced");
                if (auto s = ctx.announce(*t); !s) return error_reply(res, 409, s.error());
                http::json_reply(res, 202, {{"queued", true}});
              }));

  server.get("/plugins/wm/analytics/summary", Access::admin, admin([ctx](const Request& req, Response& res) {
               const std::string tf = req.has_param("timeframe") ? req.get_param_value("timeframe") : "last_7d";
               auto s = analytics::summary(*ctx.store, req.get_param_value("streamId"), tf, now_ns());
               if (!s) return error_reply(res, 400, s.error());
               styled_reply(res, std::move(*s), ctx);
             }));

  server.get("/plugins/wm/leaderboard", Access::public_, [ctx](const Request& req, Response& res) {
    res.set_header("Access-Control-Allow-Origin", "*");
    res.set_header("Cache-Control", "no-store");
    const std::string period = req.has_param("period") ? req.get_param_value("period") : "stream";
    auto l = analytics::leaderboard(*ctx.store, period, now_ns(), ctx.live_stream_session());
    if (!l) return error_reply(res, 400, l.error());
    styled_reply(res, std::move(*l), ctx);
  });
}

}  // namespace wm::app
