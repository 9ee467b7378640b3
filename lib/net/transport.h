// The Open Payments flavour of lib/net (net/http_client.h does the HTTP): TLS verified, https only, no redirects, size cap,
// keep-alive (a small pool of easy handles), and an SSRF guard on the address curl actually
// connects to (CURLOPT_OPENSOCKETFUNCTION). Dev hosts (host:port allowlist) may be loopback or
// private and are spoken to over plain http even when the URL says https. A signature covers the
// URL exactly as the server receives it (url_as_received(): http:// for a dev host), and a URL a
// browser is sent to (consent) uses the scheme the host really speaks (browser_url()).
//
// Error codes: "invalid_url" (not https / not a dev host, malformed), "blocked_address" (the
// address is not public), "timeout", "response_too_large", "transport" (other curl failures, with
// curl's message), "http_error" (from http_error()), "invalid_response" (from json_body()).
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/http_client.h"
#include "net/ssrf.h"

namespace wm::net {

struct TransportOptions {
  long connect_timeout_ms = 5000;
  long timeout_ms = 15000;                   // whole request
  size_t max_response_bytes = 1u << 20;      // 1 MiB
  std::vector<DevHost> dev_hosts;            // may be loopback/private, plain http
  long retry_backoff_ms = 250;               // before the single GET retry
  std::string ca_file;                       // optional CA bundle (tests); empty = system
  size_t max_idle_handles = 4;
};

struct HttpRequest {
  std::string method = "GET";        // GET, POST, DELETE, ...
  std::string url;                   // absolute; https (or a dev host)
  Headers headers;                   // Accept: application/json is always added
  std::optional<std::string> body;   // POST with nullopt sends an empty body
};

struct HttpResponse {
  long status = 0;
  Headers headers;  // of the final response
  std::string body;
  int attempts = 1;
};

class Transport {
 public:
  explicit Transport(TransportOptions options = {});
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Any HTTP status is a successful Result; only transport failures are errors. GETs are
  // retried once after retry_backoff_ms on connection errors and 5xx.
  // Policy: dev_hosts (public_only when the list is empty).
  Result<HttpResponse> send(const HttpRequest& request);
  const TransportOptions& options() const { return options_; }
  // The URL the server rebuilds from the request (its @target-uri): for a dev host
  // "http://<authority as given><path and query>", otherwise the URL itself. "invalid_url" as send().
  Result<std::string> url_as_received(const std::string& url) const;
  // For a dev host the same URL with the scheme it speaks (http) and an explicit port, so a browser
  // can open it; any other URL unchanged.
  std::string browser_url(const std::string& url) const;

 private:
  Result<HttpResponse> attempt(const HttpRequest& request, bool* retryable);

  TransportOptions options_;
  HttpClient client_;
};

// "http_error" with status and a short excerpt of the body.
Error http_error(const HttpResponse& response);
// The body parsed as JSON, or "invalid_response".
Result<nlohmann::json> json_body(const HttpResponse& response);

}  // namespace wm::net
