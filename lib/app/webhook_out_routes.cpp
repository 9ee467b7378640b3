#include "app/webhook_out_routes.h"

#include "analytics/support.h"
#include "notify/announce.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

constexpr const char* kBase = "/plugins/wm/api/webhooks";
constexpr const char* kId = "/([A-Za-z0-9_-]{1,64})";
constexpr const char* kDelivery = "/([A-Za-z0-9_-]{1,64})";

void fail(Response& res, const Error& e) {
  const int status = e.code == "not_found"  ? 404
                     : e.code == "disabled" ? 409
                     : e.code == "store_error" || e.code == "map_full" ? 500
                                                                       : 400;
  json err = {{"code", e.code}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  http::json_reply(res, status, json{{"error", err}});
}

using Hooks = std::function<webhooks::Webhooks*()>;

// Runs fn with the service, or answers 503 when webhooks are not running. (The server applies
// the admin guard to Access::admin routes before the handler runs.)
template <typename Fn>
http::Handler with(Hooks hooks, Fn fn) {
  return [hooks, fn](const Request& req, Response& res) {
    webhooks::Webhooks* w = hooks();
    if (!w) return http::json_error(res, 503, "unavailable", "Outgoing webhooks are not running.");
    fn(*w, req, res);
  };
}

}  // namespace

webhooks::Render webhook_render(store::Store& store, std::function<Config()> config, std::function<std::string()> title) {
  webhooks::Render r;
  r.hidden = [&store](const std::string& tip_id) { return analytics::is_hidden(store, tip_id); };
  r.display = [config](const openpayments::Amount& a) {
    auto style = openpayments::parse_currency_style(config().currency_display).value_or(openpayments::CurrencyStyle::code);
    return openpayments::restyle_display(openpayments::format_amount(a), style);
  };
  auto display = r.display;
  r.announcement = [config, title, display](const events::Event& e, bool hidden) -> std::string {
    const auto* t = e.tip();
    if (!t) return {};
    // The template is rendered with letter-only stand-ins (which chat escaping leaves as they
    // are), then the stand-ins are replaced by the values escaped for Discord's Markdown.
    notify::Vars v;
    v.name = t->display_name.empty() ? std::string() : "wmxnamex";
    v.anonymous = t->anonymous;
    v.amount = "wmxamountx";
    const std::string message = hidden ? std::string() : t->message;
    v.message = message.empty() ? std::string() : "wmxmessagex";
    v.title = "wmxtitlex";
    const std::string tmpl = config().announce_template;
    auto text = notify::render_template(tmpl.empty() ? notify::kDefaultTemplate : std::string_view(tmpl), v);
    if (!text) return {};
    std::string out = *text;
    for (const auto& [token, value] : {std::pair<std::string, std::string>{"wmxnamex", t->display_name},
                                       {"wmxamountx", display(t->amount)}, {"wmxmessagex", message},
                                       {"wmxtitlex", title()}}) {
      const std::string escaped = webhooks::discord_escape(value);
      for (size_t at = out.find(token); at != std::string::npos; at = out.find(token, at + escaped.size()))
        out.replace(at, token.size(), escaped);
    }
    return out;
  };
  return r;
}

void register_webhook_out_routes(http::Server& server, Hooks hooks, size_t max_body) {
  const std::string base = kBase, one = base + kId;
  server.get(base, Access::admin, with(hooks, [](webhooks::Webhooks& w, const Request&, Response& res) {
               http::json_reply(res, 200, w.list());
             }));
  server.post(base, Access::admin, with(hooks, [max_body](webhooks::Webhooks& w, const Request& req, Response& res) {
                auto body = http::json_body(req, res, max_body);
                if (!body) return;
                auto c = w.create(*body);
                if (!c) return fail(res, c.error());
                json out = c->endpoint;
                out["secret"] = c->secret;
                http::json_reply(res, 201, out);
              }));
  server.put(one, Access::admin, with(hooks, [max_body](webhooks::Webhooks& w, const Request& req, Response& res) {
               auto body = http::json_body(req, res, max_body);
               if (!body) return;
               auto e = w.update(req.matches[1], *body);
               if (!e) return fail(res, e.error());
               http::json_reply(res, 200, *e);
             }));
  server.del(one, Access::admin, with(hooks, [](webhooks::Webhooks& w, const Request& req, Response& res) {
               if (auto s = w.remove(req.matches[1]); !s) return fail(res, s.error());
               res.status = 204;
             }));
  server.post(one + "/secret", Access::admin, with(hooks, [](webhooks::Webhooks& w, const Request& req, Response& res) {
                auto s = w.rotate_secret(req.matches[1]);
                if (!s) return fail(res, s.error());
                http::json_reply(res, 200, json{{"secret", *s}, {"previousValidFor", "24h"}});
              }));
  server.get(one + "/deliveries", Access::admin, with(hooks, [](webhooks::Webhooks& w, const Request& req, Response& res) {
               auto d = w.deliveries(req.matches[1], 200);
               if (!d) return fail(res, d.error());
               http::json_reply(res, 200, *d);
             }));
  server.post(one + "/deliveries" + kDelivery + "/redeliver", Access::admin,
              with(hooks, [](webhooks::Webhooks& w, const Request& req, Response& res) {
                if (auto s = w.redeliver(req.matches[1], req.matches[2]); !s) return fail(res, s.error());
                http::json_reply(res, 202, json{{"deliveryId", std::string(req.matches[2])}});
              }));
  server.post(one + "/test", Access::admin, with(hooks, [](webhooks::Webhooks& w, const Request& req, Response& res) {
                auto id = w.send_test(req.matches[1]);
                if (!id) return fail(res, id.error());
                http::json_reply(res, 202, json{{"deliveryId", *id}});
              }));
}

}  // namespace wm::app
