// lib/net: the one way the sidecar speaks HTTP to other servers (Open Payments wallets, Owncast,
// outgoing webhooks). libcurl underneath; every request names an address Policy, enforced on the
// address curl actually connects to (CURLOPT_OPENSOCKETFUNCTION), never on the host name, so DNS
// tricks cannot reach a refused address. Never via an environment proxy (it would bypass the
// guard). Redirects are never followed. Responses are bounded (max_response_bytes).
//
//   Policy                      | may connect to                         | schemes
//   ----------------------------+----------------------------------------+---------------------
//   public_only()               | public unicast addresses only          | https
//   (viewer-supplied URLs: wallet addresses)                             |
//   admin_configured(ports)     | anything, including LAN and loopback,  | http, https
//   (URLs the streamer typed:   | EXCEPT 0.0.0.0/8 and ::, link-local    |
//   Owncast, webhooks)          | 169.254/16 and fe80::/10 (cloud         |
//                               | metadata 169.254.169.254), the metadata|
//                               | 100.100.100.200 and fd00:ec2::254,     |
//                               | multicast/reserved (224/3, ff00::/8),  |
//                               | and our own listeners (own: loopback   |
//                               | at their port, or their exact address, |
//                               | or any address for a wildcard listener;|
//                               | plus note_own_listener())              |
//   dev_hosts(list)             | public_only, except host:port on the   | https; http for the
//   (--op-dev-hosts)            | list, which may be any address         | listed host:port
//
// Errors are typed (NetError); an HTTP status of any value is a successful transfer.
#pragma once
#include <sys/socket.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ssrf.h"

namespace wm::net {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

struct Listener {  // one of the sidecar's own listen addresses
  std::string host;  // as configured ("127.0.0.1", "::1", "0.0.0.0"/"::"/"" = every local address)
  int port = 0;
};

struct Policy {
  enum class Kind { public_only, admin_configured, dev_hosts };
  Kind kind = Kind::public_only;
  std::vector<DevHost> dev_hosts;  // Kind::dev_hosts: these host:port may be any address, over http
  std::vector<Listener> own;       // Kind::admin_configured: listeners that are ours

  static Policy public_only() { return {}; }
  // own_ports: loopback listeners of ours ("127.0.0.1":port).
  static Policy admin_configured(const std::vector<int>& own_ports = {});
  static Policy admin_configured_with(std::vector<Listener> own) { return {Kind::admin_configured, {}, std::move(own)}; }
  static Policy with_dev_hosts(std::vector<DevHost> hosts) { return {Kind::dev_hosts, std::move(hosts), {}}; }
};

// Process-wide list of the ports the sidecar itself listens on (as loopback listeners);
// admin_configured refuses them (so a configured URL can never loop a request back into us).
void note_own_listener(int port);
void forget_own_listener(int port);  // when that listener closes
std::vector<int> own_listeners();

// May a connection to `address` be opened for a request to host:port under the policy?
bool address_allowed(const Policy& policy, const sockaddr* address, socklen_t length);
// The admin_configured rule on its own (exposed for tests and for checking an address up front).
bool admin_address_allowed(const sockaddr* address, socklen_t length, const std::vector<int>& own_ports);
// The same rule with the reason: nullopt when allowed, else why not, in words for a person
// ("link-local and cloud metadata addresses (169.254.0.0/16) are refused").
std::optional<std::string> admin_address_refusal(const sockaddr* address, socklen_t length,
                                                 const std::vector<Listener>& own);

struct Request {
  std::string method = "GET";        // GET, POST, PUT, DELETE, ...
  std::string url;                   // absolute http(s) URL
  Headers headers;                   // sent as given (no Accept is added)
  std::optional<std::string> body;   // POST with nullopt sends an empty body
  long timeout_ms = 10000;           // whole request
  long connect_timeout_ms = 5000;    // connecting (capped by timeout_ms)
  size_t max_response_bytes = 1u << 20;
  bool truncate_response = false;    // keep the first max_response_bytes and read on (no too_large)
  bool follow_redirects = false;     // redirects are never followed: true is refused (invalid_url)
  std::string ca_file;               // optional CA bundle (tests); empty = system
};
// Content-Type is sent as given; a body without one goes without (no curl form default).
// "Expect: 100-continue" is never sent.

enum class NetError {
  none,
  invalid_url,       // malformed, or a scheme the policy does not allow
  blocked_address,   // the policy refused the address the name resolved to
  dns,
  connect,
  timeout,
  too_large,         // the response exceeded max_response_bytes
  tls,
  transport,         // any other libcurl failure
};
// "invalid_url", "blocked_address", "dns", ... (stable, for logs and error codes).
const char* to_string(NetError e);

struct Response {
  long status = 0;                   // 0 when error != none
  Headers headers;                   // of the response (never of a redirect target)
  std::string body;                  // at most max_response_bytes
  std::string location;              // Location of a 3xx (never followed)
  long latency_ms = 0;
  NetError error = NetError::none;
  std::string error_message;         // names the URL, never a header value
  std::string refusal;               // blocked_address: why the policy refused (admin_configured)
  bool retryable = false;            // a failure worth one more try (refused, reset, TLS handshake)
  bool ok() const { return error == NetError::none; }
};

// A small pool of libcurl easy handles (each keeps its connection cache): thread-safe.
class HttpClient {
 public:
  explicit HttpClient(size_t max_idle_handles = 4);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Response send(const Request& request, const Policy& policy);

 private:
  struct Pool;
  Pool* pool_;
};

// One request on a fresh handle (no pooling), for occasional callers.
Response fetch(const Request& request, const Policy& policy);

}  // namespace wm::net
