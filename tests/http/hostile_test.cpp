// Hostile clients against the real server on loopback sockets (issue 11): body bombs, compressed
// bodies, slow and idle connections, connection floods from one address.
#include <catch2/catch.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "http/server.h"

using namespace wm;
using Clock = std::chrono::steady_clock;

namespace {

struct Running {
  Metrics metrics;
  http::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<int> handled{0};

  explicit Running(http::ServerOptions opts = {}) : server(opts, &metrics) {
    server.post("/count", http::Access::public_, [this](const http::Request& req, http::Response& res) {
      ++handled;
      http::json_reply(res, 200, {{"bytes", req.body.size()}});
    });
    server.get("/ping", http::Access::public_, [](const http::Request&, http::Response& res) {
      http::json_reply(res, 200, {{"ok", true}});
    });
    auto p = server.bind("127.0.0.1", 0);
    REQUIRE(p);
    port = *p;
    thread = std::thread([this] { server.run(); });
    auto until = Clock::now() + std::chrono::seconds(5);
    while (!server.running() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~Running() {
    server.stop();
    thread.join();
  }
};

// A raw TCP client, optionally from another loopback source address (127.0.0.x).
struct Sock {
  int fd = -1;
  Sock(int port, const char* from = nullptr) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    if (from) {
      inet_pton(AF_INET, from, &a.sin_addr);
      REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    }
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~Sock() { ::close(fd); }
  bool send_all(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Reads until the peer closes (or resets) or the deadline passes. closed = the peer ended it.
  std::string read_until_closed(int timeout_ms, bool& closed) {
    std::string got;
    closed = false;
    auto until = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count());
      if (poll(&p, 1, std::max(left, 0)) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        closed = true;
        break;
      }
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
};

std::string status_line(const std::string& resp) { return resp.substr(0, resp.find("\r\n")); }

}  // namespace

TEST_CASE("hostile: a chunked body beyond the limit gets 413 and a closed connection, unread") {
  http::ServerOptions o;
  o.max_body = 64u << 10;
  Running s(o);
  Sock c(s.port);
  REQUIRE(c.send_all("POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // 1 MiB in 16 KiB chunks; the server may stop reading (and reset) at any point.
  std::string chunk = "4000\r\n" + std::string(16384, 'a') + "\r\n";
  for (int i = 0; i < 64 && c.send_all(chunk); ++i) {
  }
  bool closed = false;
  std::string resp = c.read_until_closed(5000, closed);
  CHECK(status_line(resp) == "HTTP/1.1 413 Payload Too Large");
  CHECK(resp.find("\"payload_too_large\"") != std::string::npos);
  CHECK(closed);
  CHECK(s.handled == 0);
}

TEST_CASE("hostile: compressed request bodies are refused with 415 before the body is read") {
  Running s;
  for (const char* enc : {"gzip", "deflate", "br"}) {
    INFO(enc);
    Sock c(s.port);
    // Headers only: the answer may not wait for the (never sent) body.
    REQUIRE(c.send_all(std::string("POST /count HTTP/1.1\r\nHost: x\r\nContent-Encoding: ") + enc +
                       "\r\nContent-Length: 500000\r\n\r\n"));
    bool closed = false;
    std::string resp = c.read_until_closed(2000, closed);
    CHECK(status_line(resp) == "HTTP/1.1 415 Unsupported Media Type");
    CHECK(resp.find("Content-Encoding") != std::string::npos);
    CHECK(closed);
  }
  CHECK(s.handled == 0);
}

TEST_CASE("hostile: a Content-Length beyond the limit gets 413 at once, without waiting for the body") {
  http::ServerOptions o;
  o.max_body = 64u << 10;
  Running s(o);
  Sock c(s.port);
  REQUIRE(c.send_all("POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n"));
  bool closed = false;
  std::string resp = c.read_until_closed(2000, closed);
  CHECK(status_line(resp) == "HTTP/1.1 413 Payload Too Large");
  CHECK(closed);
}

TEST_CASE("hostile: chunked bodies within the limit still work, also pipelined on one connection") {
  Running s;
  Sock c(s.port);
  std::string req = "POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  REQUIRE(c.send_all(req + req + "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  std::string resp = c.read_until_closed(5000, closed);
  CHECK(closed);
  size_t n = 0;
  for (size_t at = resp.find("{\"bytes\":5}"); at != std::string::npos; at = resp.find("{\"bytes\":5}", at + 1)) ++n;
  CHECK(n == 2);
  CHECK(resp.find("{\"ok\":true}") != std::string::npos);
}

TEST_CASE("hostile: a request trickled byte by byte is cut off by the total deadline") {
  Running s;  // default: the whole request within 10 s, however often bytes arrive
  Sock c(s.port);
  const std::string req = "GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a');
  auto start = Clock::now();
  bool closed = false;
  std::string resp;
  for (size_t i = 0; i < req.size() && !closed; ++i) {
    if (!c.send_all(req.substr(i, 1))) break;
    resp += c.read_until_closed(100, closed);  // one byte every 100 ms: each read is quick
  }
  if (!closed) resp += c.read_until_closed(3000, closed);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  CHECK(closed);
  CHECK(status_line(resp) == "HTTP/1.1 408 Request Timeout");
  CHECK(took < 12500);
}

TEST_CASE("hostile: connections beyond the per-address cap are closed at once; other addresses are served") {
  http::ServerOptions o;
  o.per_address = 4;
  Running s(o);
  std::vector<std::unique_ptr<Sock>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<Sock>(s.port, "127.0.0.3"));
  // Wait until the server has accepted the four (a connection is accepted asynchronously).
  auto until = Clock::now() + std::chrono::seconds(5);
  while (s.server.connections() < 4 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(s.server.connections() == 4);
  Sock extra(s.port, "127.0.0.3");
  bool closed = false;
  extra.read_until_closed(1000, closed);
  CHECK(closed);
  Sock other(s.port, "127.0.0.4");
  REQUIRE(other.send_all("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string resp = other.read_until_closed(2000, closed);
  CHECK(status_line(resp) == "HTTP/1.1 200 OK");
  CHECK(s.metrics.render().find("owncast_wm_http_refused_total{reason=\"per_address_limit\"} 1") != std::string::npos);
}

TEST_CASE("hostile: slow and idle keep-alive connections hold no handler thread") {
  http::ServerOptions o;
  o.threads = 4;
  Running s(o);
  std::vector<std::unique_ptr<Sock>> held;
  for (int a = 0; a < 4; ++a) {
    const std::string from = "127.0.0." + std::to_string(10 + a);
    for (int i = 0; i < 12; ++i) {
      auto c = std::make_unique<Sock>(s.port, from.c_str());
      if (i % 2) {
        REQUIRE(c->send_all("GET /ping HTTP/1.1\r\nHost: x\r\n"));  // a head that never ends
      } else {
        REQUIRE(c->send_all("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));  // then idle, kept alive
      }
      held.push_back(std::move(c));
    }
  }
  auto start = Clock::now();
  Sock legit(s.port, "127.0.0.20");
  REQUIRE(legit.send_all("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  std::string resp = legit.read_until_closed(3000, closed);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  CHECK(status_line(resp) == "HTTP/1.1 200 OK");
  CHECK(took < 1000);
}
