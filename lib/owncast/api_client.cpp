#include "owncast/api_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

namespace wm::owncast {

namespace {
constexpr size_t kMaxResponse = 8u << 20;

size_t collect(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > kMaxResponse) return 0;  // aborts the transfer
  out->append(data, size * n);
  return size * n;
}
}  // namespace

ApiClient::ApiClient(std::string base_url, std::string token, int timeout_s)
    : base_url_(std::move(base_url)), authorization_(token.empty() ? "" : "Bearer " + token), timeout_s_(timeout_s) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

ApiClient ApiClient::with_authorization(std::string base_url, std::string authorization, int timeout_s) {
  ApiClient c(std::move(base_url), "", timeout_s);
  c.authorization_ = std::move(authorization);
  return c;
}

Result<ApiResponse> ApiClient::request(const std::string& method, const std::string& path,
                                       const std::string* body) const {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Error{"owncast_unreachable", "cannot initialise libcurl"};
  ApiResponse resp;
  std::string url = base_url_ + path;
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  if (!authorization_.empty()) headers = curl_slist_append(headers, ("Authorization: " + authorization_).c_str());
  if (body) headers = curl_slist_append(headers, "Content-Type: application/json");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> hold(headers, curl_slist_free_all);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(timeout_s_, 5)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout_s_));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp.body);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  if (method != "GET" && method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    return Error{"owncast_unreachable", "Owncast at " + base_url_ + " did not answer: " + curl_easy_strerror(rc)};
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  char* location = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location) resp.redirect = location;
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
