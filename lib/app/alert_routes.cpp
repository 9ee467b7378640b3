#include "app/alert_routes.h"

#include "core/assets.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

constexpr const char* kOverlayCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

// Wrong or missing key: 404 exactly like an unknown route.
bool key_ok(const AlertRouteConfig& c, const Request& req, Response& res) {
  if (c.key->matches(req.get_param_value("key"))) return true;
  http::json_error(res, 404, "not_found", "no such route");
  return false;
}

void open_live(const AlertRouteConfig& c, alerts::Audience a, const Request& req, Response& res) {
  res.set_header("Content-Type", "text/event-stream; charset=utf-8");
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  // The browser's reconnect sends Last-Event-ID; a reloaded page (EventSource cannot set
  // headers) sends the last id it showed as ?lastEventId=. The header is newer: it wins.
  auto last = alerts::parse_last_event_id(req.get_header_value("Last-Event-ID"));
  if (!last) last = alerts::parse_last_event_id(req.get_param_value("lastEventId"));
  auto st = c.hub->open(a, last, [&res] { return http::start_stream(res); });
  if (st) return;
  if (st.error().code == "too_many_clients") res.set_header("Retry-After", "10");
  http::json_error(res, 503, st.error().code == "too_many_clients" ? "too_many_clients" : "unavailable",
                   st.error().message);
}

json overlay_info(const AlertRouteConfig& c, const std::string& key) {
  const std::string base = c.public_url() + "/plugins/wm/overlay/";
  json urls;
  for (const char* page : {"alerts", "goal", "recent", "top", "events"}) urls[page] = base + page + "?key=" + key;
  return {{"key", key}, {"urls", urls}};
}

// The newest `limit` alerts in the journal, newest first, as the overlay receives them.
json history(const AlertRouteConfig& c, size_t limit) {
  const alerts::View v = c.view();
  const uint64_t last = c.bus->last_seq();
  uint64_t after = last > 5000 ? last - 5000 : 0;
  std::vector<json> items;
  for (;;) {
    auto batch = c.bus->journal(after, 500);
    for (const auto& e : batch) {
      after = e.seq;
      if (auto f = alerts::frame_of(e, v); f && f->event == "tip") items.push_back(f->data);
    }
    if (batch.size() < 500) break;
  }
  json out = json::array();
  for (auto it = items.rbegin(); it != items.rend() && out.size() < limit; ++it) out.push_back(*it);
  return {{"alerts", out}};
}

void replay(const AlertRouteConfig& c, const Request& req, Response& res) {
  auto seq = alerts::parse_last_event_id(req.matches[1]);
  auto batch = seq && *seq > 0 ? c.bus->journal(*seq - 1, 1) : std::vector<events::Event>{};
  std::optional<alerts::Frame> f;
  if (!batch.empty() && batch[0].seq == *seq) f = alerts::frame_of(batch[0], c.view());
  if (!f || f->event != "tip") {
    http::json_error(res, 404, "not_found", "no alert with this id in the history (kept 24 hours)");
    return;
  }
  c.hub->broadcast("alert.replay", f->data);
  http::json_reply(res, 200, {{"replayed", f->data}});
}

void register_overlay_routes(http::Server& server, const AlertRouteConfig& c) {
  server.get("/plugins/wm/overlay/events", Access::public_, [c](const Request& req, Response& res) {
    if (key_ok(c, req, res)) open_live(c, alerts::Audience::overlay, req, res);
  });
  server.get("/plugins/wm/overlay/alerts", Access::public_, [c](const Request& req, Response& res) {
    if (!key_ok(c, req, res)) return;
    auto page = assets::find("ui/overlay/alerts.html");
    if (!page) return http::json_error(res, 404, "not_found", "no such file");
    res.set_header("Content-Security-Policy", kOverlayCsp);
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", "no-store");
    res.set_content(std::string(*page), "text/html; charset=utf-8");
  });
  server.get("/plugins/wm/overlay/config", Access::public_, [c](const Request& req, Response& res) {
    if (!key_ok(c, req, res)) return;
    res.set_header("Cache-Control", "no-store");
    http::json_reply(res, 200, alerts::to_json(c.view().settings));
  });
}

void register_control_routes(http::Server& server, const AlertRouteConfig& c) {
  server.post("/plugins/wm/api/alerts/test", Access::admin, [c](const Request&, Response& res) {
    auto e = c.bus->publish(events::Type::test, events::Test{"alert test"});
    if (!e) return http::json_error(res, 503, "unavailable", "the test alert could not be sent: " + e.error().message);
    http::json_reply(res, 200, {{"sent", true}, {"seq", e->seq}});
  });
  server.post(R"(/plugins/wm/api/alerts/([^/]+)/replay)", Access::admin,
              [c](const Request& req, Response& res) { replay(c, req, res); });
  server.post("/plugins/wm/api/alerts/skip", Access::admin, [c](const Request&, Response& res) {
    c.hub->broadcast("alert.skip", json::object());
    http::json_reply(res, 200, {{"skipped", true}});
  });
  server.get("/plugins/wm/api/alerts/history", Access::admin,
             [c](const Request&, Response& res) { http::json_reply(res, 200, history(c, 50)); });
  server.get("/plugins/wm/api/alerts/settings", Access::admin, [c](const Request&, Response& res) {
    http::json_reply(res, 200, alerts::to_json(c.view().settings));
  });
  server.put("/plugins/wm/api/alerts/settings", Access::admin, [c](const Request& req, Response& res) {
    auto body = http::json_body(req, res, c.max_body);
    if (!body) return;
    auto s = alerts::parse_settings(*body);
    if (!s) return http::json_error(res, 400, s.error().code, s.error().message);
    if (auto bad = unknown_sound(*c.store, *s))
      return http::json_error(res, 400, "invalid_settings",
                              "sound \"" + *bad + "\" is neither built in (chime, fanfare, none) nor an uploaded sound's id");
    if (auto st = alerts::save_settings(*c.store, *s); !st)
      return http::json_error(res, 503, "unavailable", "settings not saved: " + st.error().message);
    if (c.settings_changed) c.settings_changed(*s);
    http::json_reply(res, 200, alerts::to_json(*s));
  });
}

}  // namespace

// Access::admin routes are guarded by the server (http::Server::set_admin_guard).
void register_alert_routes(http::Server& server, const AlertRouteConfig& c) {
  register_overlay_routes(server, c);
  register_control_routes(server, c);
  register_sound_routes(server, c);
  server.get("/plugins/wm/api/live", Access::admin, [c](const Request& req, Response& res) {
    open_live(c, alerts::Audience::dashboard, req, res);
  });
  server.get("/plugins/wm/api/overlays", Access::admin, [c](const Request&, Response& res) {
    auto key = c.key->get();
    if (!key) return http::json_error(res, 503, "unavailable", "overlay key not readable: " + key.error().message);
    http::json_reply(res, 200, overlay_info(c, *key));
  });
  server.post("/plugins/wm/api/overlays/key", Access::admin, [c](const Request&, Response& res) {
    auto key = c.key->regenerate();
    if (!key) return http::json_error(res, 503, "unavailable", "overlay key not changed: " + key.error().message);
    c.hub->close_all(alerts::Audience::overlay);  // old URLs stop at once
    http::json_reply(res, 200, overlay_info(c, *key));
  });
}

}  // namespace wm::app
