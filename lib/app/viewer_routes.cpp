#include "app/viewer_routes.h"

#include <cctype>
#include <memory>

#include "core/crypto.h"
#include "core/rate_limit.h"
#include "core/timeutil.h"
#include "openpayments/client.h"
#include "tips/tip_service.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

constexpr size_t kMaxWalletChars = 2048;
const char* kIdPattern = "([A-Za-z0-9_-]{1,128})";

Error bad_wallet(std::string message) { return Error{"invalid_wallet_address", std::move(message)}; }

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; }

// Printable ASCII without space; '?' and '#' are refused separately (query, fragment).
bool path_char(char c) { return c > 0x20 && c < 0x7f && c != '\\'; }

json session_json(const tips::ViewerSession& s) {
  return json{{"id", s.id},
              {"walletAddress", s.wallet_address},
              {"displayName", s.display_name.empty() ? json(nullptr) : json(s.display_name)},
              {"expiresAt", timeutil::format_rfc3339(s.expires_at_ns)}};
}

void no_store(Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("Referrer-Policy", "no-referrer");
}

// The id also travels in a partitioned cookie (CHIPS): in a third-party frame browsers block or
// deny localStorage/sessionStorage and unpartitioned cookies, but keep partitioned ones, keyed by
// the top-level site (the Owncast page). Secure is required (browsers accept it on http://localhost
// and 127.0.0.1 too; elsewhere over plain http the cookie is ignored and storage is the fallback).
// Not HttpOnly: the widget (/plugins/wm/widget/...) reads it to know whether to ask at all; the
// id gives nothing that the JSON answers do not already show to the same page.
constexpr std::string_view kCookie = "wm_viewer";
constexpr const char* kCookieAttrs = "; Path=/plugins/wm; Secure; SameSite=None; Partitioned";

void set_cookie(Response& res, const std::string& id, int64_t max_age_s) {
  res.set_header("Set-Cookie", std::string(kCookie) + "=" + id + "; Max-Age=" + std::to_string(max_age_s) + kCookieAttrs);
}

void clear_cookie(Response& res) { res.set_header("Set-Cookie", std::string(kCookie) + "=; Max-Age=0" + kCookieAttrs); }

bool id_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

// The session id from the Cookie header, or "".
std::string cookie_id(const Request& req) {
  const std::string header = req.get_header_value("Cookie");
  std::string_view h = header;
  while (!h.empty()) {
    const size_t semi = h.find(';');
    std::string_view item = trim(h.substr(0, semi));
    h = semi == std::string_view::npos ? std::string_view{} : h.substr(semi + 1);
    if (item.size() <= kCookie.size() || item.substr(0, kCookie.size()) != kCookie || item[kCookie.size()] != '=')
      continue;
    std::string_view v = item.substr(kCookie.size() + 1);
    if (v.empty() || v.size() > 128) return "";
    for (char c : v)
      if (!id_char(c)) return "";
    return std::string(v);
  }
  return "";
}

}  // namespace

Result<std::string> normalize_viewer_wallet(std::string_view typed) {
  const std::string_view t = trim(typed);
  if (t.empty()) return bad_wallet("walletAddress is required (e.g. $wallet.example/alice or https://wallet.example/alice)");
  if (t.size() > kMaxWalletChars) return bad_wallet("walletAddress must be at most 2048 characters");
  std::string url = openpayments::wallet_address_url(std::string(t));  // "$..." -> "https://..."
  if (url.size() > kMaxWalletChars) return bad_wallet("walletAddress must be at most 2048 characters");
  constexpr std::string_view kScheme = "https://";
  if (url.size() < kScheme.size()) return bad_wallet("walletAddress must start with https:// or $");
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(url[i])) != kScheme[i])
      return bad_wallet("walletAddress must start with https:// or $");
  const std::string_view rest = std::string_view(url).substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);

  // Authority: host or [IPv6], optional :port; no userinfo.
  if (authority.empty()) return bad_wallet("walletAddress has no host");
  if (authority.find('@') != std::string_view::npos) return bad_wallet("walletAddress must not contain a user name or password");
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close < 2) return bad_wallet("walletAddress has an invalid host");
    for (char c : authority.substr(1, close - 1))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return bad_wallet("walletAddress has an invalid host");
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_wallet("walletAddress has an invalid host");
      port = after.substr(1);
      if (port.empty()) return bad_wallet("walletAddress has an invalid port");
    }
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return bad_wallet("walletAddress has an invalid port");
    }
    if (host.empty() || host.front() == '.' || host.front() == '-') return bad_wallet("walletAddress has an invalid host");
    for (char c : host)
      if (!host_char(c)) return bad_wallet("walletAddress has an invalid host");
  }
  if (!port.empty()) {
    if (port.size() > 5) return bad_wallet("walletAddress has an invalid port");
    int p = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad_wallet("walletAddress has an invalid port");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return bad_wallet("walletAddress has an invalid port");
  }

  // Path: printable ASCII (percent-encoded otherwise), no query or fragment.
  for (char c : path) {
    if (c == '?' || c == '#') return bad_wallet("walletAddress must not contain ? or #");
    if (!path_char(c)) return bad_wallet("walletAddress must not contain spaces or special characters");
  }

  std::string out(kScheme);
  for (char c : host) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!port.empty()) out.append(":").append(port);
  out.append(path);
  return out;
}

void register_viewer_routes(http::Server& server, tips::ViewerSessions& sessions, size_t max_body, int per_minute) {
  tips::ViewerSessions* store = &sessions;
  auto limiter = std::make_shared<RateLimiter>(60);

  server.post("/plugins/wm/viewer-session", Access::public_, [&server, store, max_body, limiter, per_minute](const Request& req, Response& res) {
    no_store(res);
    if (int retry = 0; limiter->limited(server.client_ip(req), per_minute, retry)) {
      res.set_header("Retry-After", std::to_string(retry));
      return http::json_error(res, 429, "rate_limited", "too many wallet sessions from this address; try again later");
    }
    auto body = http::json_body(req, res, max_body);
    if (!body) return;
    if (!body->is_object()) return http::json_error(res, 400, "invalid_request", "the body must be a JSON object");
    auto w = body->find("walletAddress");
    if (w == body->end() || !w->is_string())
      return http::json_error(res, 400, "invalid_wallet_address",
                              "walletAddress is required (e.g. $wallet.example/alice or https://wallet.example/alice)");
    auto wallet = normalize_viewer_wallet(w->get<std::string>());
    if (!wallet) return http::json_error(res, 400, wallet.error().code, wallet.error().message);
    std::string name;
    if (auto n = body->find("displayName"); n != body->end() && !n->is_null()) {
      if (!n->is_string()) return http::json_error(res, 400, "invalid_display_name", "displayName must be a string");
      name = std::string(trim(n->get<std::string>()));
      if (!tips::valid_display_name(name))
        return http::json_error(res, 400, "invalid_display_name",
                                "displayName must be at most " + std::to_string(tips::kMaxDisplayNameChars) +
                                    " characters without control characters");
    }
    // The wallet address is personal data: never logged here.
    auto s = store->create(std::move(*wallet), std::move(name));
    set_cookie(res, s.id, store->ttl_s());  // create() and get() restart the full TTL
    http::json_reply(res, 201, session_json(s));
  });

  // Each read slides the TTL (and the cookie's Max-Age). The cookie is cleared only when it holds
  // the session that is gone, not when the widget deletes an older session it replaced.
  server.get(std::string("/plugins/wm/viewer-session/") + kIdPattern, Access::public_,
             [store](const Request& req, Response& res) {
               no_store(res);
               const std::string id = req.matches[1];
               auto s = store->get(id);
               if (!s) {
                 if (crypto::ct_equal(cookie_id(req), id)) clear_cookie(res);
                 return http::json_error(res, 404, "not_found", "no viewer session with this id (it may have expired)");
               }
               set_cookie(res, s->id, store->ttl_s());
               http::json_reply(res, 200, session_json(*s));
             });

  // Always 204: says nothing about whether the session existed.
  server.del(std::string("/plugins/wm/viewer-session/") + kIdPattern, Access::public_,
             [store](const Request& req, Response& res) {
               no_store(res);
               const std::string id = req.matches[1];
               store->remove(id);
               const std::string c = cookie_id(req);
               if (c.empty() || crypto::ct_equal(c, id)) clear_cookie(res);
               res.status = 204;
             });
}

}  // namespace wm::app
