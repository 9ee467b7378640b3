// lib/net: each address policy against real loopback servers and literal addresses, redirects,
// the response byte limit and the timeout.
#include "net/http_client.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

using namespace wm::net;

namespace {

struct LocalServer {
  httplib::Server server;
  std::thread thread;
  int port = 0;

  explicit LocalServer(const char* host = "127.0.0.1") {
    server.Get("/hello", [](const httplib::Request&, httplib::Response& res) { res.set_content("hi", "text/plain"); });
    server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(4096, 'x'), "text/plain");
    });
    server.Get("/moved", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/hello"); });
    server.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content("late", "text/plain");
    });
    server.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body + "|" + req.get_header_value("Content-Type"), "text/plain");
    });
    port = server.bind_to_any_port(host);
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server.is_running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~LocalServer() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  std::string url(const std::string& path, const char* host = "127.0.0.1") const {
    return std::string("http://") + host + ":" + std::to_string(port) + path;
  }
};

Request get(const std::string& url) {
  Request r;
  r.url = url;
  return r;
}

sockaddr_in v4(const char* text, int port = 80) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(inet_pton(AF_INET, text, &a.sin_addr) == 1);
  return a;
}

sockaddr_in6 v6(const char* text, int port = 80) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(static_cast<uint16_t>(port));
  REQUIRE(inet_pton(AF_INET6, text, &a.sin6_addr) == 1);
  return a;
}

template <class A>
bool admin_ok(const A& a, std::vector<int> own = {}) {
  return address_allowed(Policy::admin_configured(std::move(own)), reinterpret_cast<const sockaddr*>(&a), sizeof a);
}

template <class A>
bool public_ok(const A& a) {
  return address_allowed(Policy::public_only(), reinterpret_cast<const sockaddr*>(&a), sizeof a);
}

}  // namespace

TEST_CASE("net: public_only refuses a loopback server and plain http") {
  LocalServer s;
  auto r = fetch(get(s.url("/hello")), Policy::public_only());
  CHECK(r.error == NetError::invalid_url);  // http is not allowed for viewer-supplied URLs
  auto https = get("https://127.0.0.1:" + std::to_string(s.port) + "/hello");
  auto b = fetch(https, Policy::public_only());
  CHECK(b.error == NetError::blocked_address);
  CHECK(b.status == 0);
  CHECK(b.error_message.find("127.0.0.1") != std::string::npos);
}

TEST_CASE("net: public_only refuses a name that resolves to loopback") {
  LocalServer s;
  auto r = fetch(get("https://localhost:" + std::to_string(s.port) + "/hello"), Policy::public_only());
  CHECK(r.error == NetError::blocked_address);
}

TEST_CASE("net: admin_configured talks to a loopback (LAN-like) server") {
  LocalServer s;
  auto r = fetch(get(s.url("/hello")), Policy::admin_configured());
  REQUIRE(r.ok());
  CHECK(r.status == 200);
  CHECK(r.body == "hi");
  CHECK(r.latency_ms >= 0);
}

TEST_CASE("net: admin_configured refuses our own listeners, by policy and by registry") {
  LocalServer s;
  auto r = fetch(get(s.url("/hello")), Policy::admin_configured({s.port}));
  CHECK(r.error == NetError::blocked_address);
  note_own_listener(s.port);
  auto g = fetch(get(s.url("/hello", "localhost")), Policy::admin_configured());
  CHECK(g.error == NetError::blocked_address);
  forget_own_listener(s.port);
  auto after = fetch(get(s.url("/hello")), Policy::admin_configured());
  CHECK(after.status == 200);
}

TEST_CASE("net: admin_configured refuses link-local, metadata and unspecified addresses") {
  CHECK_FALSE(admin_ok(v4("169.254.169.254")));
  CHECK_FALSE(admin_ok(v4("169.254.1.2")));
  CHECK_FALSE(admin_ok(v4("0.0.0.0")));
  CHECK_FALSE(admin_ok(v6("::")));
  CHECK_FALSE(admin_ok(v6("fe80::1")));
  CHECK_FALSE(admin_ok(v6("febf::1")));
  CHECK_FALSE(admin_ok(v6("fd00:ec2::254")));
  CHECK_FALSE(admin_ok(v6("::ffff:169.254.169.254")));
  CHECK_FALSE(admin_ok(v4("127.0.0.1", 8099), {8099}));
  CHECK_FALSE(admin_ok(v6("::1", 8099), {8099}));
  CHECK_FALSE(admin_ok(v6("::ffff:127.0.0.1", 8099), {8099}));
}

TEST_CASE("net: admin_configured allows private, loopback and public addresses") {
  CHECK(admin_ok(v4("192.168.1.20")));
  CHECK(admin_ok(v4("10.0.0.5")));
  CHECK(admin_ok(v4("127.0.0.1", 8080), {8099}));
  CHECK(admin_ok(v6("::1", 8080), {8099}));
  CHECK(admin_ok(v6("fd12:3456::1")));
  CHECK(admin_ok(v4("93.184.216.34")));
  CHECK(admin_ok(v6("fec0::1")));  // site-local is deprecated but not link-local
}

TEST_CASE("net: public_only decides on literal addresses") {
  CHECK_FALSE(public_ok(v4("192.168.1.20")));
  CHECK_FALSE(public_ok(v4("169.254.169.254")));
  CHECK_FALSE(public_ok(v6("::1")));
  CHECK(public_ok(v4("93.184.216.34")));
  CHECK(public_ok(v6("2606:4700::1111")));
}

TEST_CASE("net: dev_hosts lets the listed host:port through over http and nothing else") {
  LocalServer s;
  auto listed = Policy::with_dev_hosts({DevHost{"127.0.0.1", s.port}});
  auto r = fetch(get(s.url("/hello")), listed);
  REQUIRE(r.ok());
  CHECK(r.body == "hi");
  auto other_port = Policy::with_dev_hosts({DevHost{"127.0.0.1", s.port == 1 ? 2 : s.port - 1}});
  CHECK(fetch(get(s.url("/hello")), other_port).error == NetError::invalid_url);
  auto https = get("https://127.0.0.1:" + std::to_string(s.port) + "/hello");
  CHECK(fetch(https, other_port).error == NetError::blocked_address);
}

TEST_CASE("net: redirects are answered, never followed") {
  LocalServer s;
  auto r = fetch(get(s.url("/moved")), Policy::admin_configured());
  REQUIRE(r.ok());
  CHECK(r.status == 302);
  CHECK(r.body.empty());
  CHECK(r.location == s.url("/hello"));
  auto asked = get(s.url("/moved"));
  asked.follow_redirects = true;
  CHECK(fetch(asked, Policy::admin_configured()).error == NetError::invalid_url);
}

TEST_CASE("net: a response over max_response_bytes is too_large") {
  LocalServer s;
  auto r = get(s.url("/big"));
  r.max_response_bytes = 1000;
  auto big = fetch(r, Policy::admin_configured());
  CHECK(big.error == NetError::too_large);
  CHECK(big.body.empty());
  r.max_response_bytes = 4096;
  CHECK(fetch(r, Policy::admin_configured()).body.size() == 4096);
}

TEST_CASE("net: truncate_response keeps the first bytes of a large answer without failing") {
  LocalServer s;
  auto r = get(s.url("/big"));
  r.max_response_bytes = 1000;
  r.truncate_response = true;
  auto out = fetch(r, Policy::admin_configured());
  REQUIRE(out.ok());
  CHECK(out.status == 200);
  CHECK(out.body == std::string(1000, 'x'));
}

TEST_CASE("net: admin_configured names why it refuses; listeners match by loopback, address or wildcard") {
  auto why = [](const auto& a, std::vector<Listener> own = {}) {
    return admin_address_refusal(reinterpret_cast<const sockaddr*>(&a), sizeof a, own);
  };
  CHECK(why(v4("100.100.100.200")).value_or("").find("metadata") != std::string::npos);
  CHECK(why(v4("224.0.0.1")).value_or("").find("multicast") != std::string::npos);
  CHECK(why(v6("ff02::1")).value_or("").find("multicast") != std::string::npos);
  CHECK(why(v4("169.254.169.254")).value_or("").find("169.254.0.0/16") != std::string::npos);
  CHECK_FALSE(why(v4("192.168.1.20", 8085), {{"127.0.0.1", 8085}}));
  CHECK(why(v4("192.168.1.20", 8085), {{"0.0.0.0", 8085}}).value_or("").find("own listen") != std::string::npos);
  CHECK(why(v4("192.168.1.20", 8085), {{"192.168.1.20", 8085}}));
  CHECK(why(v4("127.0.0.2", 8085), {{"127.0.0.1", 8085}}));
  CHECK(why(v6("::ffff:127.0.0.1", 8085), {{"::1", 8085}}));
  CHECK_FALSE(why(v4("192.168.1.20", 8086), {{"0.0.0.0", 8085}}));
}

TEST_CASE("net: a blocked request says why in refusal") {
  LocalServer s;
  auto r = fetch(get(s.url("/hello")), Policy::admin_configured_with({{"0.0.0.0", s.port}}));
  CHECK(r.error == NetError::blocked_address);
  CHECK(r.refusal == "it is this sidecar's own listen address");
}

TEST_CASE("net: a slow server times out") {
  LocalServer s;
  auto r = get(s.url("/slow"));
  r.timeout_ms = 200;
  auto out = fetch(r, Policy::admin_configured());
  CHECK(out.error == NetError::timeout);
  CHECK(std::string(to_string(out.error)) == "timeout");
}

TEST_CASE("net: a refused connection is a connect error, a bad name a dns error") {
  int port = 0;
  {
    LocalServer gone;
    port = gone.port;
  }
  auto r = fetch(get("http://127.0.0.1:" + std::to_string(port) + "/"), Policy::admin_configured());
  CHECK(r.error == NetError::connect);
  CHECK(r.retryable);
  auto d = fetch(get("http://no-such-host.invalid/"), Policy::admin_configured());
  CHECK(d.error == NetError::dns);
}

TEST_CASE("net: POST sends the body and content type as given; the pool serves several threads") {
  LocalServer s;
  HttpClient client;
  Request r;
  r.method = "POST";
  r.url = s.url("/echo");
  r.body = "{\"a\":1}";
  r.headers.push_back({"Content-Type", "application/json"});
  auto out = client.send(r, Policy::admin_configured());
  CHECK(out.body == "{\"a\":1}|application/json");
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 5; ++k)
        if (client.send(get(s.url("/hello")), Policy::admin_configured()).body == "hi") ++good;
    });
  for (auto& t : threads) t.join();
  CHECK(good == 20);
}
