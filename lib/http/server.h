// HTTP server: cpp-httplib's routing with our defaults (body limits, request ids, redacted
// access log, JSON errors, last-resort exception handler) and a route table that can be listed.
// Sockets are ours (http/listener.h): requests reach httplib complete and in memory, so slow
// clients, body bombs and connection floods never hold a handler thread.
#pragma once
#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/metrics.h"
#include "core/result.h"
#include "http/client_ip.h"
#include "http/listener.h"

namespace wm::http {

using Request = httplib::Request;
using Response = httplib::Response;
using Handler = std::function<void(const Request&, Response&)>;

// Access::admin routes reach their handler only after the server's admin guard let the request
// through (Server::set_admin_guard); the handlers themselves never check credentials.
enum class Access { public_, admin };

// Decides whether a request may use an admin route. On refusal it writes the whole answer
// (status, JSON error, headers) and returns false. It may also add headers to every admin answer.
using AdminGuard = std::function<bool(const Request&, Response&)>;

struct Route {
  std::string method;
  std::string pattern;  // cpp-httplib regex pattern
  Access access = Access::public_;
};

struct ServerOptions {
  size_t max_body = 1u << 20;       // hard limit for any request body (webhooks); 413 beyond
  size_t api_max_body = 64u << 10;  // limit for JSON API bodies (checked by json_body())
  // The body limit of one request, chosen from its method and raw path before the body is read
  // (413 and close beyond it). Unset: max_body for every request.
  std::function<uint64_t(std::string_view method, std::string_view path)> body_limit;
  int request_timeout_s = 10;       // a request's head and body must arrive within this
  int write_timeout_s = 5;
  int keep_alive_timeout_s = 5;     // idle wait for a connection's next request
  size_t per_address = 16;          // connections per client address (trusted proxies exempt)
  size_t max_connections = 4096;    // all connections (bounded by the descriptor limit)
  size_t threads = 64;              // handlers running at once; waiting connections hold none
  int worker_nice = 0;              // > 0: handler threads yield the CPU to other listeners
  bool access_log = true;
  // Requests from these addresses are taken to come from a reverse proxy: client_ip() reads
  // X-Forwarded-For on them.
  TrustedProxies trusted_proxies;
};

// {"error":{"code":..., "message":...}} with the given status.
void json_error(Response& res, int status, std::string_view code, std::string_view message);
void json_reply(Response& res, int status, const nlohmann::json& body);
// Parses a JSON API request body within ServerOptions::api_max_body; answers 413/400 itself
// and returns nullopt on failure.
std::optional<nlohmann::json> json_body(const Request& req, Response& res, size_t max_body);
// Path with secrets removed, for logs: /webhooks/owncast/<token> -> /webhooks/owncast/<redacted>.
std::string redact_path(std::string_view path);

class Server {
 public:
  Server(ServerOptions opts, Metrics* metrics);
  ~Server();

  void get(const std::string& pattern, Access access, Handler h);
  void post(const std::string& pattern, Access access, Handler h);
  void put(const std::string& pattern, Access access, Handler h);
  void del(const std::string& pattern, Access access, Handler h);
  void options(const std::string& pattern, Handler h);
  // The guard for every Access::admin route, registered before or after it. Set it before run().
  // Without a guard admin routes answer 403 "admin_disabled" (closed by default).
  void set_admin_guard(AdminGuard guard);
  const std::vector<Route>& routes() const { return routes_; }
  const ServerOptions& options() const { return opts_; }
  // The address to rate-limit and log: see ServerOptions::trusted_proxies.
  std::string client_ip(const Request& req) const;

  // Binds host:port (port 0 picks a free port). Returns the bound port.
  Result<int> bind(const std::string& host, int port);
  void run();   // serves until stop(); returns after in-flight requests finished
  void stop();  // safe from any thread
  bool running() const;
  size_t connections() const;  // open client connections
  httplib::Server& raw();

 private:
  class Engine;
  ListenerOptions listener_options();
  void add(const char* method, const std::string& pattern, Access access, Handler h);
  Handler guarded(Access access, Handler h);
  ServerOptions opts_;
  Metrics* metrics_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Listener> listener_;
  std::vector<Route> routes_;
  AdminGuard admin_guard_;
};

}  // namespace wm::http
