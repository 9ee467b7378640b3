// Client for Owncast's integration API (Bearer access token) over lib/net (policy admin_configured).
#pragma once
#include <string>
#include <vector>

#include "core/result.h"
#include "owncast/presence.h"

namespace wm::owncast {

struct ApiResponse {
  long status = 0;
  std::string body;
  std::string redirect;  // Location of a 3xx (never followed: credentials stay with this host)
};

class ApiClient {
 public:
  ApiClient(std::string base_url, std::string token, int timeout_s = 5);
  // Any Authorization header value (e.g. "Basic ..." for Owncast's admin API), or "" for none.
  static ApiClient with_authorization(std::string base_url, std::string authorization, int timeout_s = 5);
  bool configured() const { return !base_url_.empty() && !authorization_.empty(); }
  const std::string& base_url() const { return base_url_; }

  // GET/POST a path under the base URL. Transport errors: code "owncast_unreachable".
  Result<ApiResponse> get(const std::string& path) const;
  Result<ApiResponse> post_json(const std::string& path, const std::string& body) const;

  // GET /api/integrations/clients. Errors: "owncast_unreachable", "owncast_unauthorized"
  // (401/403: token missing HAS_ADMIN_ACCESS), "owncast_error", "invalid_response".
  Result<std::vector<ConnectedClient>> clients() const;

 private:
  Result<ApiResponse> request(const std::string& method, const std::string& path, const std::string* body) const;
  std::string base_url_, authorization_;
  int timeout_s_;
};

}  // namespace wm::owncast
