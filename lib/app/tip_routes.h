// HTTP routes for tips (all public):
//   POST /plugins/wm/tips                 create a tip (optional Idempotency-Key header)
//   GET  /plugins/wm/tips/{id}            status
//   GET  /plugins/wm/tips/{id}/callback   GNAP interaction finish: an HTML page that tells the opener
// With service == nullptr every route answers 503 not_configured.
#pragma once
#include <cstddef>
#include <functional>
#include <string>

#include "http/server.h"
#include "tips/tip_service.h"

namespace wm::app {

struct TipRouteConfig {
  size_t max_body = 64u << 10;
  std::function<std::string()> public_url;
};

// `service` (when set) must outlive the server.
void register_tip_routes(http::Server& server, tips::TipService* service, TipRouteConfig cfg);

}  // namespace wm::app
