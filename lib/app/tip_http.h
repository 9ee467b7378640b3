// HTTP facts about tips, header only (tests of lib/tips use them without linking lib/app):
// the only mapping of TipErrorCode to an HTTP status, and the callback route's URL.
#pragma once
#include <string>

#include "tips/tip_types.h"

namespace wm::app {

// 400 bad input, 403 not_creator, 404 not_found, 409 conflicts, 422 cannot_pay, 429 rate_limited,
// 500 internal, 502 a wallet failed, 503 not_configured.
inline int tip_error_status(tips::TipErrorCode code) {
  using C = tips::TipErrorCode;
  switch (code) {
    case C::not_creator: return 403;
    case C::not_found: return 404;
    case C::idempotency_key_reused:
    case C::idempotency_in_progress:
    case C::not_cancellable:
    case C::rejection_unconfirmed: return 409;
    case C::cannot_pay: return 422;
    case C::rate_limited: return 429;
    case C::internal: return 500;
    case C::streamer_wallet_unreachable:
    case C::streamer_wallet_error:
    case C::wallet_unreachable: return 502;
    case C::not_configured: return 503;
    default: return 400;  // every other code is bad input
  }
}

// A tip id in a route path (the public tip routes, the admin tip and moderation routes).
inline constexpr const char* kTipIdPattern = "([A-Za-z0-9_-]{1,64})";

// "<public_url>/plugins/wm/tips/<id>/callback": where the viewer's wallet returns after approval
// (TipServiceOptions::callback_url).
inline std::string tip_callback_url(const std::string& public_url, const std::string& tip_id) {
  return public_url + "/plugins/wm/tips/" + tip_id + "/callback";
}

}  // namespace wm::app
