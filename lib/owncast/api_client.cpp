#include "owncast/api_client.h"

#include <algorithm>

#include "core/text.h"
#include "net/http_client.h"

namespace wm::owncast {

namespace {
constexpr size_t kMaxResponse = 8u << 20;

// Owncast's URL is admin-configured: LAN and loopback are fine, metadata/link-local and our own
// listeners are not (net::Policy::admin_configured). One pool of connections for every client.
net::HttpClient& shared_client() {
  static net::HttpClient client;
  return client;
}
}  // namespace

ApiClient::ApiClient(std::string base_url, std::string token, int timeout_s)
    : base_url_(std::move(base_url)), authorization_(token.empty() ? "" : "Bearer " + token), timeout_s_(timeout_s) {
  base_url_ = text::without_trailing_slashes(std::move(base_url_));
}

ApiClient ApiClient::with_authorization(std::string base_url, std::string authorization, int timeout_s) {
  ApiClient c(std::move(base_url), "", timeout_s);
  c.authorization_ = std::move(authorization);
  return c;
}

Result<ApiResponse> ApiClient::request(const std::string& method, const std::string& path,
                                       const std::string* body) const {
  net::Request req;
  req.method = method;
  req.url = base_url_ + path;
  req.timeout_ms = timeout_s_ * 1000L;
  req.connect_timeout_ms = std::min(timeout_s_, 5) * 1000L;
  req.max_response_bytes = kMaxResponse;
  req.headers.push_back({"Accept", "application/json"});
  if (!authorization_.empty()) req.headers.push_back({"Authorization", authorization_});
  if (body) {
    req.headers.push_back({"Content-Type", "application/json"});
    req.body = *body;
  }
  net::Response r = shared_client().send(req, net::Policy::admin_configured());
  if (r.error == net::NetError::blocked_address)
    return Error{"owncast_unreachable", "Owncast at " + base_url_ +
                                            " is an address the sidecar never calls (link-local, cloud metadata, "
                                            "0.0.0.0 or its own port): use Owncast's own address"};
  if (!r.ok()) return Error{"owncast_unreachable", "Owncast at " + base_url_ + " did not answer: " + r.error_message};
  ApiResponse resp;
  resp.status = r.status;
  resp.body = std::move(r.body);
  resp.redirect = std::move(r.location);
  return resp;
}

Result<ApiResponse> ApiClient::get(const std::string& path) const { return request("GET", path, nullptr); }
Result<ApiResponse> ApiClient::post_json(const std::string& path, const std::string& body) const {
  return request("POST", path, &body);
}

Result<std::vector<ConnectedClient>> ApiClient::clients() const {
  auto r = get("/api/integrations/clients");
  if (!r) return r.error();
  if (r->status == 401 || r->status == 403)
    return Error{"owncast_unauthorized",
                 "Owncast refused the access token for /api/integrations/clients (it needs HAS_ADMIN_ACCESS)"};
  if (r->status != 200)
    return Error{"owncast_error", "Owncast answered HTTP " + std::to_string(r->status) + " for /api/integrations/clients"};
  return parse_clients(r->body);
}

}  // namespace wm::owncast
