// Admin API for outgoing webhooks (lib/webhooks):
//   GET    /plugins/wm/api/webhooks                       {"webhooks":[endpoint…]}
//   POST   /plugins/wm/api/webhooks                       {url, events, description?, enabled?, kind?} -> 201 endpoint + secret (once)
//   PUT    /plugins/wm/api/webhooks/{id}                  any of those fields -> endpoint
//   DELETE /plugins/wm/api/webhooks/{id}                  204
//   POST   /plugins/wm/api/webhooks/{id}/secret           rotate: {secret} (the old one signs 24 h more)
//   GET    /plugins/wm/api/webhooks/{id}/deliveries       {deliveries:[attempt…], pending:[…]}
//   POST   /plugins/wm/api/webhooks/{id}/deliveries/{deliveryId}/redeliver   202
//   POST   /plugins/wm/api/webhooks/{id}/test             202 {deliveryId}
#pragma once
#include <cstddef>
#include <functional>

#include "core/config.h"
#include "http/server.h"
#include "webhooks/service.h"

namespace wm::app {

// How webhooks render amounts, hidden messages and the Discord text (the chat announcement's
// template) from the live configuration.
webhooks::Render webhook_render(store::Store& store, std::function<Config()> config, std::function<std::string()> title);

// `hooks` returns the running service (must outlive the server).
void register_webhook_out_routes(http::Server& server, std::function<webhooks::Webhooks*()> hooks, size_t max_body);

}  // namespace wm::app
