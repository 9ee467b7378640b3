// The HTTP side of admin authentication, shared by the admin route files: the session cookie,
// the admin security headers, the status of each AuthErrorCode and the server's admin guard.
#pragma once
#include <functional>
#include <string>

#include "admin/auth.h"
#include "http/server.h"

namespace wm::app {

inline constexpr const char* kSessionCookie = "wm_admin";

// X-Frame-Options DENY, strict CSP, no referrer, no-store, nosniff.
void security_headers(http::Response& res);
// The value of cookie `name`, or "".
std::string cookie_value(const http::Request& req, const std::string& name);
// wm_admin, HttpOnly, SameSite=Strict, Secure when public_url is https.
void set_session_cookie(http::Response& res, const std::string& id, const std::function<std::string()>& public_url);
void clear_session_cookie(http::Response& res, const std::function<std::string()>& public_url);

// The HTTP status answering an authentication failure (the one place that maps them).
int http_status(admin::AuthErrorCode code);
// {"error":{code, message}} with that status, and Retry-After when the error has one.
void auth_error_reply(http::Response& res, const admin::AuthError& e);

// The guard http::Server applies to every Access::admin route: adds the security headers, then
// refuses (403 admin_disabled) while no password is set, cross-site or non-JSON writes
// (http::admin_write_allowed), and anything but a valid HTTP Basic admin:<password> (counted
// toward the per-address login backoff) or a live session cookie (state-changing requests also
// need its X-CSRF-Token). `auth` and `server` (for client_ip()) must outlive the guard.
http::AdminGuard make_admin_guard(admin::AdminAuth& auth, std::function<std::string()> public_url,
                                  const http::Server& server);

}  // namespace wm::app
