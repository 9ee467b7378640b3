// Same-origin rule for state-changing admin requests. Who may use an admin route at all is the
// server's admin guard (http::Server::set_admin_guard), built by lib/app.
#pragma once
#include <string>
#include <string_view>

#include "http/server.h"

namespace wm::http {

// CSRF rule for state-changing admin requests (POST, PUT, PATCH, DELETE), whatever the
// credentials (a browser replays cached Basic credentials cross-site as it replays cookies):
//  - refused with 403 "cross_origin" when Sec-Fetch-Site is "cross-site", or when an Origin
//    header is sent and is not this server's origin: "http(s)://" + the request's Host, or the
//    origin of public_url (--public-url, for a reverse proxy that rewrites Host);
//  - refused with 415 "unsupported_media_type" unless Content-Type is application/json (or an
//    audio type of an alert-sound upload: audio/mpeg, audio/ogg, audio/wav, which no cross-site
//    form can send either); a request without a body and without a Content-Type is allowed.
// Other methods always pass. Answers the refusal itself.
bool admin_write_allowed(const Request& req, Response& res, std::string_view public_url);
// "https://tips.example.net:8443/x" -> "https://tips.example.net:8443" (lower-case scheme and
// host, default ports dropped); "" when it is not an http(s) URL.
std::string origin_of(std::string_view url);

}  // namespace wm::http
