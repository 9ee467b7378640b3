// HTTP routes for viewer sessions (the tip-panel widget's memory of a viewer's wallet; public):
//   POST   /plugins/wm/viewer-session        {walletAddress, displayName?} -> 201 {id, walletAddress, displayName, expiresAt}
//   GET    /plugins/wm/viewer-session/{id}   -> 200 (same shape; the 30 min TTL restarts) or 404 not_found
//   DELETE /plugins/wm/viewer-session/{id}   -> 204 ("forget my wallet"; also for unknown ids)
// POST and a successful GET also set the id as a partitioned cookie (`wm_viewer`, Path
// /plugins/wm, Secure, SameSite=None, Partitioned, Max-Age = the TTL): in Owncast's third-party
// iframe browsers deny localStorage/sessionStorage and unpartitioned cookies, but keep partitioned
// cookies per top-level site. DELETE, and a 404 for the cookie's own id, clear the cookie.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/server.h"
#include "tips/viewer_sessions.h"

namespace wm::app {

// "$wallet.example/alice" -> "https://wallet.example/alice" (openpayments::wallet_address_url),
// "https://Wallet.Example:8443/alice" -> "https://wallet.example:8443/alice". Refuses anything but
// https, userinfo, query, fragment, spaces and control characters, and more than 2048 characters.
Result<std::string> normalize_viewer_wallet(std::string_view typed);

// Sessions created per minute per client IP (POST beyond it: 429 rate_limited with Retry-After), so
// one client cannot flood the capped session table and evict everyone else's.
inline constexpr int kViewerSessionsPerMinute = 20;

// `sessions` must outlive the server (handlers keep a reference).
void register_viewer_routes(http::Server& server, tips::ViewerSessions& sessions, size_t max_body,
                            int per_minute = kViewerSessionsPerMinute);

}  // namespace wm::app
