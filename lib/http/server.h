// HTTP server: cpp-httplib with our defaults (timeouts, body limits, request ids, redacted
// access log, JSON errors, last-resort exception handler) and a route table that can be listed.
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

namespace wm::http {

using Request = httplib::Request;
using Response = httplib::Response;
using Handler = std::function<void(const Request&, Response&)>;

enum class Access { public_, admin };  // admin routes are checked by the handler's auth middleware

struct Route {
  std::string method;
  std::string pattern;  // cpp-httplib regex pattern
  Access access = Access::public_;
};

struct ServerOptions {
  size_t max_body = 1u << 20;       // hard limit for any request body (webhooks); 413 beyond
  size_t api_max_body = 64u << 10;  // limit for JSON API bodies (checked by json_body())
  int read_timeout_s = 5;
  int write_timeout_s = 5;
  int keep_alive_timeout_s = 5;
  size_t threads = 64;              // connections served at once (keep-alive holds a thread)
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
  const std::vector<Route>& routes() const { return routes_; }
  const ServerOptions& options() const { return opts_; }
  // The address to rate-limit and log: see ServerOptions::trusted_proxies.
  std::string client_ip(const Request& req) const;

  // Binds host:port (port 0 picks a free port). Returns the bound port.
  Result<int> bind(const std::string& host, int port);
  void run();   // serves until stop(); returns after in-flight requests finished
  void stop();  // safe from any thread
  bool running() const;
  httplib::Server& raw() { return svr_; }

 private:
  ServerOptions opts_;
  Metrics* metrics_;
  httplib::Server svr_;
  std::vector<Route> routes_;
  int listen_fd_ = -1;
};

}  // namespace wm::http
