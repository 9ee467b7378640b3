// The socket side of the HTTP server: one epoll thread accepts connections, reads each request
// completely (head and body, within a deadline and the route's body limit) and writes the
// answers; a pool of worker threads only runs handlers on complete in-memory requests. So slow
// or idle clients hold a few kilobytes of memory, never a thread.
//
// Limits (ListenerOptions): a request must arrive whole within request_timeout_ms of its first
// byte (else 408 and close); a keep-alive connection waits idle_timeout_ms for the next request;
// at most per_address connections per client address (excess closed at once; exempt addresses,
// e.g. a trusted reverse proxy, count only toward max_connections); Content-Encoding request
// bodies are refused with 415 and bodies above the limit with 413 before they are read further,
// and such connections are closed. The listening socket is bound exclusively (no SO_REUSEPORT).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/stream.h"

namespace wm::http {

// A complete request as received, handed to a worker.
struct RawRequest {
  std::string bytes;  // request line, headers and body exactly as sent
  std::string remote_ip, local_ip;
  int remote_port = 0, local_port = 0;
  bool last = false;  // the connection closes after this answer (keep-alive limit)
};

struct RawResponse {
  std::string bytes;  // status line, headers and body
  bool close = false;
  // Set for a streaming response (http/stream.h): `bytes` is only the head; the listener then
  // sends what the stream's owner pushes until either side closes, without a worker thread.
  // Such a connection has no idle or request deadline, only the write deadline while data waits.
  std::shared_ptr<Stream> stream;
};

struct ListenerOptions {
  int request_timeout_ms = 10000;  // head and body, from the request's first byte
  int idle_timeout_ms = 5000;      // keep-alive wait for the next request (and for the first)
  int write_timeout_ms = 5000;     // to send an answer
  size_t max_head = 32u << 10;     // request line and headers
  size_t per_address = 16;         // connections per client address
  size_t max_connections = 4096;   // all connections
  size_t max_requests = 10000;     // per connection
  size_t threads = 64;             // handler threads
  int worker_nice = 0;             // > 0 lowers the handler threads' CPU priority
  std::function<bool(std::string_view ip)> exempt;  // addresses without the per-address cap
  // Largest body accepted for a request (decoded size); required.
  std::function<uint64_t(std::string_view method, std::string_view path)> body_limit;
  // Runs a complete request on a worker thread; required.
  std::function<RawResponse(const RawRequest&)> handle;
  // Called on each refusal by the listener: a request it answered itself (status > 0, e.g. 413)
  // or a connection it closed (status 0: per_address_limit, connection_limit).
  std::function<void(std::string_view reason, const std::string& ip, std::string_view method, std::string_view path,
                     int status)>
      on_refused;
};

class Listener {
 public:
  explicit Listener(ListenerOptions opts);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds host:port exclusively (port 0 = any free port). Returns the bound port; error
  // "listen_failed" with the reason (e.g. address already in use).
  Result<int> bind(const std::string& host, int port);
  void run();   // serves until stop(); returns after in-flight handlers finished
  void stop();  // safe from any thread, also before run()
  bool running() const;
  size_t connections() const;  // open connections (for tests and metrics)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wm::http
