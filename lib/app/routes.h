// Internal to lib/app: registers every HTTP route on the server.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/metrics.h"
#include "http/server.h"
#include "owncast/service.h"

namespace wm::app {

// `service` and `metrics` must outlive the server (handlers keep references). webhook_base is
// asked per request (it is known only after bind()): where Owncast reaches the webhook route.
// With `webhook_route` false the webhook is served by another listener (--webhook-listen) and
// webhook_listen_url names it.
struct WebhookPlace {
  std::function<std::string()> base_url;
  bool here = true;
  std::function<std::string()> public_url;
};
void register_routes(http::Server& server, owncast::Service& service, WebhookPlace webhook,
                     const std::vector<std::string>& tokens, Metrics& metrics);

// POST /webhooks/owncast/{token} and GET /healthz: all a --webhook-listen listener serves.
void register_webhook_routes(http::Server& server, owncast::Service& service, const std::vector<std::string>& tokens,
                             Metrics& metrics);

}  // namespace wm::app
