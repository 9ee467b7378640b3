// Admin authentication for /plugins/wm/api/*: HTTP Basic, user "admin", the configured admin
// password (the convention of Owncast's own admin API).
#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "http/server.h"

namespace wm::http {

// True when the request carries the admin credentials. Otherwise answers itself: 403 when no
// password is configured (saying how to set one), 401 with a Basic challenge otherwise.
bool require_admin(const Request& req, Response& res, const std::string& password);

// Decides whether a request may use an admin route; answers the refusal itself (401/403).
using AdminGuard = std::function<bool(const Request&, Response&)>;
// require_admin with a fixed password (HTTP Basic only); applies admin_write_allowed too.
AdminGuard basic_guard(std::string password);

// CSRF rule for state-changing admin requests (POST, PUT, PATCH, DELETE), whatever the
// credentials (a browser replays cached Basic credentials cross-site as it replays cookies):
//  - refused with 403 "cross_origin" when Sec-Fetch-Site is "cross-site", or when an Origin
//    header is sent and is not this server's origin: "http(s)://" + the request's Host, or the
//    origin of public_url (--public-url, for a reverse proxy that rewrites Host);
//  - refused with 415 "unsupported_media_type" unless Content-Type is application/json; a
//    request without a body and without a Content-Type (logout, resend) is allowed.
// Other methods always pass. Answers the refusal itself.
bool admin_write_allowed(const Request& req, Response& res, std::string_view public_url);
// "https://tips.example.net:8443/x" -> "https://tips.example.net:8443" (lower-case scheme and
// host, default ports dropped); "" when it is not an http(s) URL.
std::string origin_of(std::string_view url);

}  // namespace wm::http
