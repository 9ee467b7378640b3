// HTTP routes for tips (all public):
//   POST /plugins/wm/tips                 create a tip (optional Idempotency-Key header)
//   GET  /plugins/wm/tips/{id}            status
//   DELETE /plugins/wm/tips/{id}          cancel while awaiting consent: only the creator's viewer
//                                         session (X-Viewer-Session header or wm_viewer cookie) or
//                                         Idempotency-Key; 204, 404, 403 not_creator, 409 not_cancellable
//   GET  /plugins/wm/tips/{id}/callback   GNAP interaction finish: an HTML page that tells the opener
// While the provider returns nullptr (no wallet or key configured) every route answers 503
// not_configured. The provider is asked per request: the admin page can configure tips at run time.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "app/tip_http.h"
#include "http/server.h"
#include "tips/tip_service.h"
#include "tips/viewer_sessions.h"

namespace wm::app {

struct TipRouteConfig {
  size_t max_body = 64u << 10;
  std::function<std::string()> public_url;
  // The widget's viewer sessions: a tip created with a live one (X-Viewer-Session header or
  // wm_viewer cookie) may be cancelled with it. nullptr: only the Idempotency-Key can cancel.
  tips::ViewerSessions* viewer_sessions = nullptr;
  // For a completed tip: "queued" when a chat announcement was queued, "skipped" when not (below
  // the streamer's minimum, Owncast not connected, failure). Shown as "announcement" in its status.
  std::function<std::string(const tips::TipRecord&)> announcement;
};

using TipServiceProvider = std::function<std::shared_ptr<tips::TipService>()>;

void register_tip_routes(http::Server& server, TipServiceProvider tips, TipRouteConfig cfg);

}  // namespace wm::app
