#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <strings.h>
#include <exception>

#include "core/crypto.h"
#include "core/json_limits.h"
#include "core/log.h"
#include "http/stream_slot.h"

namespace wm::http {

namespace {

const char* code_for_status(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "timeout";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 429: return "rate_limited";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "error";
  }
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

std::string new_request_id() {
  static const std::string prefix = crypto::hex(crypto::random_bytes(4));
  static std::atomic<uint64_t> seq{0};
  return prefix + "-" + std::to_string(seq.fetch_add(1, std::memory_order_relaxed) + 1);
}

}  // namespace

void json_error(Response& res, int status, std::string_view code, std::string_view message) {
  nlohmann::json j = {{"error", {{"code", code}, {"message", message}}}};
  res.status = status;
  res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void json_reply(Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

std::optional<nlohmann::json> json_body(const Request& req, Response& res, size_t max_body) {
  if (req.body.size() > max_body) {
    json_error(res, 413, "payload_too_large", "request body exceeds " + std::to_string(max_body) + " bytes");
    return std::nullopt;
  }
  auto j = json_limits::parse(req.body);
  if (!j) {
    json_error(res, 400, j.error().code,
               j.error().code == "too_deep" ? "request body " + j.error().message : "request body is not valid JSON");
    return std::nullopt;
  }
  return std::move(*j);
}

std::string redact_path(std::string_view path) {
  static constexpr std::string_view kHook = "/webhooks/owncast/";
  if (path.substr(0, kHook.size()) == kHook) return std::string(kHook) + "<redacted>";
  // A viewer session id gives access to the viewer's wallet address.
  static constexpr std::string_view kViewer = "/plugins/wm/viewer-session/";
  if (path.substr(0, kViewer.size()) == kViewer) return std::string(kViewer) + "<redacted>";
  return std::string(path);
}

// cpp-httplib's request processing (parsing, routing, handlers, response writing) run on a
// complete request held in memory; the answer is collected in memory for the listener to send.
class Server::Engine : public httplib::Server {
 public:
  // The head of a streaming response: the handler's headers, chunked, closed at the end.
  static std::string stream_head(const StreamSlot& slot) {
    std::string head = "HTTP/1.1 200 OK\r\n";
    for (const auto& [k, v] : slot.headers) {
      if (strcasecmp(k.c_str(), "Content-Length") == 0 || strcasecmp(k.c_str(), "Transfer-Encoding") == 0 ||
          strcasecmp(k.c_str(), "Connection") == 0)
        continue;
      head += k + ": " + v + "\r\n";
    }
    return head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  }

  RawResponse serve(const RawRequest& r) {
    Memory s(r);
    bool closed = false;
    StreamSlot slot;
    bool ok;
    {
      StreamSlotScope scope(slot);
      // The listener already answered "Expect: 100-continue" before reading the body.
      ok = process_request(s, r.last, closed, [](httplib::Request& req) { req.headers.erase("Expect"); });
    }
    if (slot.stream) return {stream_head(slot), true, std::move(slot.stream)};
    return {std::move(s.out), !ok || closed || r.last, nullptr};
  }

 private:
  class Memory : public httplib::Stream {
   public:
    explicit Memory(const RawRequest& r) : r_(r) {}
    bool is_readable() const override { return pos_ < r_.bytes.size(); }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, size_t size) override {
      size = std::min(size, r_.bytes.size() - pos_);
      std::memcpy(ptr, r_.bytes.data() + pos_, size);
      pos_ += size;
      return static_cast<ssize_t>(size);
    }
    ssize_t write(const char* ptr, size_t size) override {
      out.append(ptr, size);
      return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
      ip = r_.remote_ip;
      port = r_.remote_port;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
      ip = r_.local_ip;
      port = r_.local_port;
    }
    // No socket behind this stream (httplib only uses it for select()-size checks).
    socket_t socket() const override { return INVALID_SOCKET; }
    std::string out;

   private:
    const RawRequest& r_;
    size_t pos_ = 0;
  };
};

Server::Server(ServerOptions opts, Metrics* metrics)
    : opts_(std::move(opts)), metrics_(metrics), engine_(std::make_unique<Engine>()) {
  httplib::Server& svr_ = *engine_;
  svr_.set_payload_max_length(opts_.max_body);
  svr_.set_keep_alive_timeout(opts_.keep_alive_timeout_s);
  svr_.set_keep_alive_max_count(10000);

  svr_.set_pre_routing_handler([](const Request& req, Response& res) {
    std::string id = req.get_header_value("X-Request-Id");
    res.set_header("X-Request-Id", valid_request_id(id) ? id : new_request_id());
    res.set_header("X-Content-Type-Options", "nosniff");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Any error status without a body (404 from the router, 413 from the payload limit, ...)
  // gets our JSON error shape.
  svr_.set_error_handler(httplib::Server::HandlerWithResponse([](const Request&, Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string msg = res.status == 404   ? "no such route"
                      : res.status == 413 ? "request body too large"
                                          : "request failed with HTTP status " + std::to_string(res.status);
    json_error(res, res.status, code_for_status(res.status), msg);
    return httplib::Server::HandlerResponse::Handled;
  }));
  Counter* crashes = metrics_ ? metrics_->counter("owncast_wm_http_handler_exceptions_total",
                                                  "Handlers that threw (answered 500)")
                              : nullptr;
  svr_.set_exception_handler([crashes](const Request& req, Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    if (crashes) crashes->inc();
    log::error("handler threw", {{"path", redact_path(req.path)}, {"error", what}});
    json_error(res, 500, "internal", "internal error; see the sidecar log");
  });
  if (opts_.access_log) {
    svr_.set_logger([](const Request& req, const Response& res) {
      log::info("http", {{"method", req.method},
                         {"path", redact_path(req.path)},
                         {"status", std::to_string(res.status)},
                         {"bytes", std::to_string(res.body.size())},
                         {"rid", res.get_header_value("X-Request-Id")}});
    });
  }
  listener_ = std::make_unique<Listener>(listener_options());
}

ListenerOptions Server::listener_options() {
  ListenerOptions lo;
  lo.request_timeout_ms = opts_.request_timeout_s * 1000;
  lo.idle_timeout_ms = opts_.keep_alive_timeout_s * 1000;
  lo.write_timeout_ms = opts_.write_timeout_s * 1000;
  lo.per_address = opts_.per_address;
  lo.max_connections = opts_.max_connections;
  lo.threads = opts_.threads;
  lo.worker_nice = opts_.worker_nice;
  lo.exempt = [this](std::string_view ip) { return opts_.trusted_proxies.trusted(ip); };
  const uint64_t max = opts_.max_body;
  lo.body_limit = [this, max](std::string_view method, std::string_view path) {
    return opts_.body_limit ? std::min<uint64_t>(max, opts_.body_limit(method, path)) : max;
  };
  Engine* engine = engine_.get();
  lo.handle = [engine](const RawRequest& r) { return engine->serve(r); };
  const bool log_requests = opts_.access_log;
  Metrics* m = metrics_;
  lo.on_refused = [m, log_requests](std::string_view reason, const std::string& ip, std::string_view method,
                                    std::string_view path, int status) {
    if (m)
      m->counter("owncast_wm_http_refused_total", "Requests and connections refused by the listener, by reason",
                 "reason", std::string(reason))
          ->inc();
    if (status > 0 && log_requests)
      log::info("http", {{"method", std::string(method)},
                         {"path", redact_path(path)},
                         {"status", std::to_string(status)},
                         {"client", ip},
                         {"refused", std::string(reason)}});
  };
  return lo;
}

Server::~Server() { stop(); }

void Server::get(const std::string& p, Access a, Handler h) { add("GET", p, a, std::move(h)); }
void Server::post(const std::string& p, Access a, Handler h) { add("POST", p, a, std::move(h)); }
void Server::put(const std::string& p, Access a, Handler h) { add("PUT", p, a, std::move(h)); }
void Server::del(const std::string& p, Access a, Handler h) { add("DELETE", p, a, std::move(h)); }
void Server::options(const std::string& p, Handler h) { add("OPTIONS", p, Access::public_, std::move(h)); }
void Server::set_admin_guard(AdminGuard guard) { admin_guard_ = std::move(guard); }

void Server::add(const char* method, const std::string& p, Access a, Handler h) {
  routes_.push_back({method, p, a});
  Handler handler = guarded(a, std::move(h));
  const std::string_view m = method;
  if (m == "GET") engine_->Get(p, std::move(handler));
  else if (m == "POST") engine_->Post(p, std::move(handler));
  else if (m == "PUT") engine_->Put(p, std::move(handler));
  else if (m == "DELETE") engine_->Delete(p, std::move(handler));
  else engine_->Options(p, std::move(handler));
}

// The guard is looked up per request, so routes registered before set_admin_guard() get it too.
Handler Server::guarded(Access a, Handler h) {
  if (a == Access::public_) return h;
  return [this, h = std::move(h)](const Request& req, Response& res) {
    if (!admin_guard_) {
      json_error(res, 403, "admin_disabled", "admin routes are not available on this listener");
      return;
    }
    if (admin_guard_(req, res)) h(req, res);
  };
}

Result<int> Server::bind(const std::string& host, int port) { return listener_->bind(host, port); }
void Server::run() { listener_->run(); }
void Server::stop() { listener_->stop(); }
bool Server::running() const { return listener_->running(); }
size_t Server::connections() const { return listener_->connections(); }
httplib::Server& Server::raw() { return *engine_; }

std::string Server::client_ip(const Request& req) const {
  // Several X-Forwarded-For headers count as one comma-separated list, in order.
  std::string forwarded;
  const size_t n = req.get_header_value_count("X-Forwarded-For");
  for (size_t i = 0; i < n && forwarded.size() < 4096; ++i) {
    if (!forwarded.empty()) forwarded += ',';
    forwarded += req.get_header_value("X-Forwarded-For", i);
  }
  return opts_.trusted_proxies.client_ip(req.remote_addr, forwarded);
}

}  // namespace wm::http
