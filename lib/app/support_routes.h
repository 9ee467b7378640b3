// HTTP routes for streaming support ("pay while you watch", lib/support), all public:
//   POST   /plugins/wm/support                  create (Idempotency-Key as for tips) -> 201
//          {id, status, consentUrl, statusUrl, controlToken, rate, periodLimit}; an idempotent
//          replay answers 200 with controlToken null (only its hash is kept)
//   GET    /plugins/wm/support/{id}             status (read only)
//   GET    /plugins/wm/support/{id}/callback    GNAP interaction finish: a small HTML page
//   POST   /plugins/wm/support/{id}/heartbeat   Authorization: Bearer <controlToken> -> 204
//   DELETE /plugins/wm/support/{id}             Authorization: Bearer <controlToken> -> 200, stopped
// A wrong or missing control token answers 404 not_found, like an unknown id. While the provider
// returns nullptr (tips not configured) every route answers 503 not_configured.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "http/server.h"
#include "support/support_service.h"

namespace wm::app {

using SupportProvider = std::function<std::shared_ptr<support::SupportService>()>;

inline std::string support_callback_url(const std::string& public_url, const std::string& id) {
  return public_url + "/plugins/wm/support/" + id + "/callback";
}

// Admin: GET /plugins/wm/api/support/active -> {"supporters":[{id, name, anonymous, status, rate,
// rateDisplay, paid, paidDisplay, since}]}: sessions approved and not ended (active, paused,
// limit_reached), oldest first; name is the display name, "Anonymous" for anonymous supporters
// (never their typed name) and "Someone" without a name. Never a wallet address.
void register_support_admin_routes(http::Server& server, SupportProvider provider,
                                   std::function<openpayments::CurrencyStyle()> style);

void register_support_routes(http::Server& server, SupportProvider provider, std::function<std::string()> public_url,
                             size_t max_body);

}  // namespace wm::app
