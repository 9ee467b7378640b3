// Web Monetization on Owncast's page (owncast/web_monetization.h), admin routes:
//   GET  /plugins/wm/api/web-monetization  -> {walletAddress, snippet, enabled (null when Owncast
//        cannot be asked), error (null or {code,message})}
//   POST /plugins/wm/api/web-monetization  {enabled, adminPassword, url?} -> {enabled, changed}
#pragma once
#include <string>

#include "core/result.h"
#include "owncast/admin_api.h"

namespace wm::app {

// Adds (enabled) or removes our snippet in Owncast's custom JavaScript; used by the route above
// and by Connect ({"webMonetization": true}). Errors: invalid_wallet and those of owncast::connect.
Result<owncast::MonetizationChange> apply_web_monetization(const std::string& owncast_url, const std::string& password,
                                                           bool enabled, const std::string& wallet_url);

}  // namespace wm::app
