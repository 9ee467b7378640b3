#include "app/admin_http.h"

#include "http/origin.h"

namespace wm::app {

namespace {

using http::Request;
using http::Response;

constexpr const char* kAdminCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

bool secure(const std::function<std::string()>& public_url) {
  return public_url && public_url().rfind("https://", 0) == 0;
}

bool state_changing(const Request& req) {
  return req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS";
}

// HTTP Basic: the password is checked (and counted toward the per-address backoff).
bool basic_allowed(admin::AdminAuth& auth, const std::string& ip, const std::string& authz, Response& res) {
  if (auto limited = auth.begin_attempt(ip)) {
    auth_error_reply(res, *limited);
    return false;
  }
  if (auth.check_basic(authz)) {
    auth.attempt_succeeded(ip);
    return true;
  }
  res.set_header("WWW-Authenticate", "Basic realm=\"owncast-wm\", charset=\"UTF-8\"");
  http::json_error(res, 401, "unauthorized", "admin credentials required");
  return false;
}

// The session cookie: a live session, and its CSRF token for state-changing requests.
bool session_allowed(admin::AdminAuth& auth, const Request& req, Response& res) {
  const std::string id = cookie_value(req, kSessionCookie);
  auto s = id.empty() ? std::nullopt : auth.session(id);
  if (!s) {
    http::json_error(res, 401, "unauthorized", "log in to the admin page, or use HTTP Basic with user 'admin'");
    return false;
  }
  if (state_changing(req) && !admin::AdminAuth::csrf_ok(*s, req.get_header_value("X-CSRF-Token"))) {
    http::json_error(res, 403, "csrf_failed", "missing or wrong X-CSRF-Token header; reload the admin page");
    return false;
  }
  return true;
}

}  // namespace

void security_headers(Response& res) {
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Content-Security-Policy", kAdminCsp);
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
}

std::string cookie_value(const Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    const size_t b = part.find_first_not_of(' ');
    if (b != std::string::npos) part = part.substr(b);
    if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 && part[name.size()] == '=')
      return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return {};
}

void set_session_cookie(Response& res, const std::string& id, const std::function<std::string()>& public_url) {
  res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + id +
                                   "; Path=/plugins/wm; HttpOnly; SameSite=Strict" +
                                   (secure(public_url) ? "; Secure" : ""));
}

void clear_session_cookie(Response& res, const std::function<std::string()>& public_url) {
  res.set_header("Set-Cookie", std::string(kSessionCookie) +
                                   "=; Path=/plugins/wm; Max-Age=0; HttpOnly; SameSite=Strict" +
                                   (secure(public_url) ? "; Secure" : ""));
}

int http_status(admin::AuthErrorCode code) {
  using C = admin::AuthErrorCode;
  switch (code) {
    case C::weak_password: return 400;
    case C::invalid_credentials: return 401;
    case C::admin_disabled:
    case C::setup_token_invalid: return 403;
    case C::password_already_set:
    case C::password_pinned:
    case C::conflict: return 409;
    case C::rate_limited: return 429;
    case C::store_error: return 500;
  }
  return 500;
}

void auth_error_reply(Response& res, const admin::AuthError& e) {
  if (e.retry_after > 0) res.set_header("Retry-After", std::to_string(e.retry_after));
  http::json_error(res, http_status(e.code), admin::to_string(e.code), e.message);
}

http::AdminGuard make_admin_guard(admin::AdminAuth& auth, std::function<std::string()> public_url,
                                  const http::Server& server) {
  return [&auth, public_url, &server](const Request& req, Response& res) {
    security_headers(res);
    if (!auth.password_set()) {
      http::json_error(res, 403, "admin_disabled",
                       "no admin password is set yet: open the setup link owncast-wm printed at start, or set "
                       "--admin-password");
      return false;
    }
    // Cross-site and non-JSON writes are refused before any credential is looked at.
    if (!http::admin_write_allowed(req, res, public_url ? public_url() : std::string())) return false;
    // Wrong Basic passwords count toward the same per-IP backoff as the login form.
    const std::string authz = req.get_header_value("Authorization");
    if (!authz.empty()) return basic_allowed(auth, server.client_ip(req), authz, res);
    return session_allowed(auth, req, res);
  };
}

}  // namespace wm::app
