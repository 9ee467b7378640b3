// HTTP routes of the sidecar. Handlers are thin: parse input, call the service, shape the JSON
// (the server's admin guard checks access for Access::admin routes).
#include "app/routes.h"

#include "core/assets.h"
#include "core/config.h"
#include "core/timeutil.h"
#include "app/route_support.h"
#include "http/server.h"
#include "owncast/service.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

// An optional whole-number query parameter in [1, max] (def when absent); answers 400 itself.
bool query_int(const Request& req, Response& res, const char* name, size_t def, size_t max, size_t& out) {
  auto v = int_param(req, name, 1, static_cast<int64_t>(max),
                     {"invalid_parameter", std::string("'") + name + "' must be a whole number from 1 to " +
                                               std::to_string(max)});
  if (!v) {
    error_reply(res, 400, v.error());
    return false;
  }
  out = v->has_value() ? static_cast<size_t>(**v) : def;
  return true;
}

void serve_asset(Response& res, const std::string& path) {
  auto data = assets::find(path);
  if (!data) {
    http::json_error(res, 404, "not_found", "no such file");
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::string(*data), std::string(assets::content_type(path)).c_str());
}

void register_asset_routes(http::Server& server) {
  server.get("/plugins/wm/plugin.yml", Access::public_,
             [](const Request&, Response& res) { serve_asset(res, "plugin.yml"); });

  server.get(R"(/plugins/wm/ui/([A-Za-z0-9_\-./]+))", Access::public_, [](const Request& req, Response& res) {
    std::string rel = req.matches[1];
    if (rel.find("..") != std::string::npos) {
      http::json_error(res, 404, "not_found", "no such file");
      return;
    }
    serve_asset(res, "ui/" + rel);
  });

  server.get("/", Access::public_, [](const Request&, Response& res) { res.set_redirect("/plugins/wm/admin"); });

  // A route that does nothing, so benchmarks can compare the webhook against the server's floor.
  server.post("/plugins/wm/noop", Access::public_, [](const Request&, Response& res) { res.status = 204; });
}

void cors(Response& res) {
  res.set_header("Access-Control-Allow-Origin", "*");
  res.set_header("Access-Control-Allow-Methods", "GET, OPTIONS");
  res.set_header("Access-Control-Max-Age", "600");
}

// Public stream state for overlays and the widget (CORS: any origin may read it).
void register_stream_routes(http::Server& server, owncast::Service& service) {
  server.options("/plugins/wm/stream", [](const Request&, Response& res) {
    cors(res);
    res.status = 204;
  });
  server.get("/plugins/wm/stream", Access::public_, [&service](const Request&, Response& res) {
    owncast::StreamState s = service.stream_state();
    cors(res);
    res.set_header("Cache-Control", "no-store");
    http::json_reply(res, 200,
                     {{"online", s.online},
                      {"title", s.title},
                      {"startedAt", s.online ? timeutil::rfc3339_or_null(s.started_at) : json(nullptr)},
                      {"viewers", {{"current", s.current_viewers}, {"peak", s.peak_viewers}}}});
  });
}

void list_events(owncast::Service& service, const Request& req, Response& res) {
  size_t limit;
  if (!query_int(req, res, "limit", 50, 1000, limit)) return;
  std::string type = req.get_param_value("type");
  if (type.size() > 64) return http::json_error(res, 400, "invalid_parameter", "'type' is too long");
  auto page = service.list_events(type, limit, req.get_param_value("before"));
  if (!page) return http::json_error(res, 400, page.error().code, page.error().message);
  http::json_reply(res, 200, *page);
}

// What the ingestion service knows: events, viewers, streams (admin).
void register_owncast_api_routes(http::Server& server, owncast::Service& service) {
  server.get("/plugins/wm/api/events", Access::admin,
             [&service](const Request& req, Response& res) { list_events(service, req, res); });

  server.get("/plugins/wm/api/viewers", Access::admin, [&service](const Request&, Response& res) {
    json list = json::array();
    for (const auto& v : service.viewers())
      list.push_back({{"userId", v.user_id},
                      {"displayName", v.display_name},
                      {"joinedAt", timeutil::rfc3339_or_null(v.joined_at)},
                      {"lastSeenAt", timeutil::rfc3339_or_null(v.last_seen_at)}});
    http::json_reply(res, 200, {{"viewers", std::move(list)}});
  });

  server.get("/plugins/wm/api/streams", Access::admin, [&service](const Request& req, Response& res) {
    size_t limit;
    if (!query_int(req, res, "limit", 100, 1000, limit)) return;
    http::json_reply(res, 200, service.list_streams(limit));
  });
}

}  // namespace

void register_webhook_routes(http::Server& server, owncast::Service& service, const std::vector<std::string>& tokens,
                             Metrics& metrics) {
  server.get("/healthz", Access::public_, [](const Request&, Response& res) {
    http::json_reply(res, 200, {{"status", "ok"}});
  });
  // Owncast's webhook. Wrong or missing token: 404 exactly like an unknown route.
  Counter* bad_token = metrics.counter("owncast_wm_webhook_rejected_total", "Webhook requests rejected, by reason",
                                       "reason", "bad_token");
  server.post(R"(/webhooks/owncast/([^/]*))", Access::public_,
              [&service, tokens, bad_token](const Request& req, Response& res) {
                if (!owncast::token_matches(tokens, req.matches[1].str())) {
                  bad_token->inc();
                  http::json_error(res, 404, "not_found", "no such route");
                  return;
                }
                owncast::Ack ack = service.submit(req.body, req.get_header_value("owncast-signature"));
                if (ack.status == 200) {
                  http::json_reply(res, 200, {{"status", ack.code}});
                } else {
                  if (ack.status == 503) res.set_header("Retry-After", "1");
                  http::json_error(res, ack.status, ack.code, ack.message);
                }
              });
}

void register_routes(http::Server& server, owncast::Service& service, WebhookPlace webhook,
                     const std::vector<std::string>& tokens, Metrics& metrics) {
  if (webhook.here) {
    register_webhook_routes(server, service, tokens, metrics);
  } else {
    server.get("/healthz", Access::public_, [](const Request&, Response& res) {
      http::json_reply(res, 200, {{"status", "ok"}});
    });
  }
  server.get("/metrics", Access::public_, [&metrics](const Request&, Response& res) {
    res.set_content(metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  register_asset_routes(server);
  register_stream_routes(server, service);
  register_owncast_api_routes(server, service);
  // url/urls: what Owncast must call. With --webhook-listen that is the webhook listener, also
  // named by webhookListenUrl; publicUrl stays the base for the widget and the admin page.
  server.get("/plugins/wm/api/webhook", Access::admin, [tokens, webhook](const Request&, Response& res) {
    json urls = json::array();
    const std::string base = webhook.base_url();
    for (const auto& t : tokens) urls.push_back(base + "/webhooks/owncast/" + t);
    json first = urls.empty() ? json(nullptr) : urls[0];
    http::json_reply(res, 200,
                     {{"urls", urls},
                      {"url", first},
                      {"webhookListenUrl", webhook.here ? json(nullptr) : first},
                      {"publicUrl", webhook.public_url()}});
  });
}

}  // namespace wm::app
