#include "net/transport.h"

#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <vector>
#include <thread>

using namespace wm::net;

namespace {

// cpp-httplib server on 127.0.0.1, an ephemeral port, running on its own thread.
struct LocalServer {
  httplib::Server server;
  std::thread thread;
  int port = 0;

  void start() {
    port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    for (int i = 0; i < 200 && !server.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~LocalServer() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  std::string authority() const { return "127.0.0.1:" + std::to_string(port); }
  std::string https(const std::string& path) const {
    std::string u = "https://";
    u.append(authority()).append(path);
    return u;
  }
  std::string http(const std::string& path) const {
    std::string u = "http://";
    u.append(authority()).append(path);
    return u;
  }
  TransportOptions dev_options() const {
    TransportOptions o;
    o.dev_hosts.push_back({"127.0.0.1", port});
    o.retry_backoff_ms = 10;
    return o;
  }
};

HttpRequest get(const std::string& url) {
  HttpRequest r;
  r.url = url;
  return r;
}

}  // namespace

TEST_CASE("openpayments: transport refuses loopback without the dev-host allowlist") {
  LocalServer s;
  std::atomic<int> hits{0};
  s.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.set_content("{}", "application/json");
  });
  s.start();
  Transport t;
  auto r = t.send(get(s.https("/x")));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "blocked_address");
  CHECK(hits == 0);
}

TEST_CASE("openpayments: transport refuses plain http for hosts not on the allowlist") {
  Transport t;
  auto r = t.send(get("http://wallet.example/alice"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "invalid_url");
}

TEST_CASE("openpayments: transport talks plain http to dev hosts even for https URLs") {
  LocalServer s;
  std::string accept, host;
  s.server.Get("/alice", [&](const httplib::Request& req, httplib::Response& res) {
    accept = req.get_header_value("Accept");
    host = req.get_header_value("Host");
    res.set_content(R"({"id":"x"})", "application/json");
  });
  s.start();
  Transport t(s.dev_options());
  auto r = t.send(get(s.https("/alice")));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == R"({"id":"x"})");
  CHECK(accept == "application/json");
  CHECK(host == s.authority());
  auto again = t.send(get(s.http("/alice")));  // http URL is fine for a dev host too
  REQUIRE(again.ok());
  CHECK(again->status == 200);
}

TEST_CASE("openpayments: transport names the URL a dev host receives (to sign) and a browser opens") {
  TransportOptions o;
  o.dev_hosts.push_back({"127.0.0.1", 3000});
  o.dev_hosts.push_back({"wallet.test", 443});
  Transport t(o);
  // Signed as received: the scheme spoken (http), the authority as sent in Host, path and query.
  CHECK(t.url_as_received("https://127.0.0.1:3000/alice?x=1").value() == "http://127.0.0.1:3000/alice?x=1");
  CHECK(t.url_as_received("https://wallet.test/alice").value() == "http://wallet.test/alice");
  CHECK(t.url_as_received("https://wallet.example/alice").value() == "https://wallet.example/alice");
  CHECK(t.url_as_received("http://wallet.example/alice").error().code == "invalid_url");
  // A browser gets the scheme the host speaks and the port it listens on.
  CHECK(t.browser_url("https://127.0.0.1:3000/interact/a/b?c=d") == "http://127.0.0.1:3000/interact/a/b?c=d");
  CHECK(t.browser_url("https://wallet.test/interact/a") == "http://wallet.test:443/interact/a");
  CHECK(t.browser_url("https://wallet.example/interact/a") == "https://wallet.example/interact/a");
}

TEST_CASE("openpayments: transport times out on a slow handler") {
  LocalServer s;
  s.server.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    res.set_content("{}", "application/json");
  });
  s.start();
  auto o = s.dev_options();
  o.timeout_ms = 300;
  Transport t(o);
  HttpRequest req;
  req.method = "POST";  // no retry
  req.url = s.https("/slow");
  req.body = "{}";
  s.server.Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    res.set_content("{}", "application/json");
  });
  auto r = t.send(req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "timeout");
}

TEST_CASE("openpayments: transport rejects an oversized response") {
  LocalServer s;
  s.server.Get("/big", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(2u << 20, 'a'), "application/json");
  });
  s.server.Get("/chunked", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json", [](size_t offset, httplib::DataSink& sink) {
      if (offset >= (3u << 20)) {
        sink.done();
        return true;
      }
      std::string block(64 * 1024, 'b');
      return sink.write(block.data(), block.size());
    });
  });
  s.start();
  Transport t(s.dev_options());
  auto r = t.send(get(s.https("/big")));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "response_too_large");
  auto c = t.send(get(s.https("/chunked")));
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == "response_too_large");
}

TEST_CASE("openpayments: malformed JSON in a response is a typed error") {
  LocalServer s;
  s.server.Get("/bad", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"id\":", "application/json");
  });
  s.start();
  Transport t(s.dev_options());
  auto r = t.send(get(s.https("/bad")));
  REQUIRE(r.ok());
  auto j = json_body(*r);
  REQUIRE_FALSE(j.ok());
  CHECK(j.error().code == "invalid_response");
}

TEST_CASE("openpayments: transport does not follow redirects") {
  LocalServer s;
  std::atomic<int> target_hits{0};
  s.server.Get("/from", [&](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/to");
  });
  s.server.Get("/to", [&](const httplib::Request&, httplib::Response& res) {
    ++target_hits;
    res.set_content("{}", "application/json");
  });
  s.start();
  Transport t(s.dev_options());
  auto r = t.send(get(s.https("/from")));
  REQUIRE(r.ok());
  CHECK(r->status == 302);
  CHECK(target_hits == 0);
  CHECK(http_error(*r).code == "http_error");
}

TEST_CASE("openpayments: transport retries a GET once on 503") {
  LocalServer s;
  std::atomic<int> hits{0};
  s.server.Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    if (++hits == 1) {
      res.status = 503;
      res.set_content("busy", "text/plain");
    } else {
      res.set_content("{}", "application/json");
    }
  });
  s.start();
  Transport t(s.dev_options());
  auto r = t.send(get(s.https("/flaky")));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->attempts == 2);
  CHECK(hits == 2);
}

TEST_CASE("openpayments: transport does not retry a POST on 503") {
  LocalServer s;
  std::atomic<int> hits{0};
  std::string content_type, body;
  s.server.Post("/create", [&](const httplib::Request& req, httplib::Response& res) {
    ++hits;
    content_type = req.get_header_value("Content-Type");
    body = req.body;
    res.status = 503;
  });
  s.start();
  Transport t(s.dev_options());
  HttpRequest req;
  req.method = "POST";
  req.url = s.https("/create");
  req.body = R"({"a":1})";
  req.headers.push_back({"Content-Type", "application/json"});
  auto r = t.send(req);
  REQUIRE(r.ok());
  CHECK(r->status == 503);
  CHECK(hits == 1);
  CHECK(content_type == "application/json");
  CHECK(body == R"({"a":1})");
}

TEST_CASE("openpayments: transport sends DELETE and body-less POST") {
  LocalServer s;
  std::string seen;
  s.server.Delete("/thing", [&](const httplib::Request& req, httplib::Response& res) {
    seen.append(req.method);
    res.status = 204;
  });
  s.server.Post("/thing/complete", [&](const httplib::Request& req, httplib::Response& res) {
    seen.append(req.method).append(req.has_header("Content-Type") ? "+type" : "");
    res.set_content("{}", "application/json");
  });
  s.start();
  Transport t(s.dev_options());
  HttpRequest del;
  del.method = "DELETE";
  del.url = s.https("/thing");
  auto r = t.send(del);
  REQUIRE(r.ok());
  CHECK(r->status == 204);
  HttpRequest post;
  post.method = "POST";
  post.url = s.https("/thing/complete");
  auto p = t.send(post);
  REQUIRE(p.ok());
  CHECK(p->status == 200);
  CHECK(seen == "DELETEPOST");
}

TEST_CASE("openpayments: transport reports a refused connection as a transport error") {
  LocalServer s;
  s.start();
  auto o = s.dev_options();
  int port = s.port;
  s.server.stop();
  if (s.thread.joinable()) s.thread.join();
  Transport t(o);
  std::string url = "https://127.0.0.1:";
  url.append(std::to_string(port)).append("/x");
  auto r = t.send(get(url));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "transport");
}

TEST_CASE("openpayments: transport reuses the connection between requests") {
  LocalServer s;
  std::mutex mu;
  std::vector<int> ports;
  s.server.Get("/k", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    ports.push_back(req.remote_port);
    res.set_content("{}", "application/json");
  });
  s.start();
  Transport t(s.dev_options());
  for (int i = 0; i < 3; ++i) REQUIRE(t.send(get(s.https("/k"))).ok());
  REQUIRE(ports.size() == 3);
  CHECK(ports[0] == ports[1]);
  CHECK(ports[1] == ports[2]);
}

TEST_CASE("openpayments: transport can be used from several threads at once") {
  LocalServer s;
  std::atomic<int> hits{0};
  s.server.Get("/c", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    res.set_content("{}", "application/json");
  });
  s.start();
  Transport t(s.dev_options());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 3; ++j)
        if (auto r = t.send(get(s.https("/c"))); r.ok() && r->status == 200) ++ok;
    });
  for (auto& th : threads) th.join();
  CHECK(ok == 18);
  CHECK(hits == 18);
}
