// Internal to lib/app: the live routes (issue 13): SSE for overlays and the dashboard, the
// overlay key, test/replay/skip controls, alert settings and the overlay pages.
//
//   GET  /plugins/wm/overlay/events?key=K        SSE for overlays (wrong key: 404)
//   GET  /plugins/wm/overlay/alerts?key=K        the alert overlay page (wrong key: 404)
//   GET  /plugins/wm/overlay/config?key=K        the alert settings the page applies
//   GET  /plugins/wm/api/live                    SSE for the admin dashboard (admin)
//   GET  /plugins/wm/api/overlays                {"key","urls":{alerts,goal,recent,top,events}}
//   POST /plugins/wm/api/overlays/key            new key; overlays on the old key are closed
//   POST /plugins/wm/api/alerts/test             a `tip` alert with "test":true
//   POST /plugins/wm/api/alerts/{seq}/replay     shows a past alert again (alert.replay)
//   POST /plugins/wm/api/alerts/skip             ends the alert on screen (alert.skip)
//   GET  /plugins/wm/api/alerts/history          the newest alerts (from the bus journal)
//   GET|PUT /plugins/wm/api/alerts/settings      alerts/settings.h
//   POST|GET /plugins/wm/api/alerts/sounds, DELETE .../sounds/{id}   uploaded sounds (alerts/sounds.h)
//   GET  /plugins/wm/overlay/sounds/{id}?key=K   an uploaded sound's file (wrong key or id: 404)
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "alerts/hub.h"
#include "alerts/overlay_key.h"
#include "events/bus.h"
#include "http/origin.h"
#include "http/server.h"
#include "store/store.h"

namespace wm::app {

struct AlertRouteConfig {
  alerts::Hub* hub = nullptr;
  alerts::OverlayKey* key = nullptr;
  events::Bus* bus = nullptr;
  store::Store* store = nullptr;
  std::function<alerts::View()> view;
  std::function<void(const alerts::AlertSettings&)> settings_changed;
  std::function<std::string()> public_url;
  size_t max_body = 64u << 10;
};

void register_alert_routes(http::Server& server, const AlertRouteConfig& cfg);
void register_sound_routes(http::Server& server, const AlertRouteConfig& cfg);  // sound_routes.cpp
// The first `sound` in the style or a variation that is neither built in nor uploaded.
std::optional<std::string> unknown_sound(const store::Store& store, const alerts::AlertSettings& s);

}  // namespace wm::app
