#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "core/crypto.h"
#include "http/server.h"

using json = nlohmann::json;
using namespace wm;

namespace {

// A stand-in for lib/app's admin guard (admin sessions and passwords are not this module's): lets
// exactly "Basic admin:pw" through and answers everything else as the real one does a script.
bool fixture_guard(const http::Request& req, http::Response& res) {
  if (req.get_header_value("Authorization") == "Basic " + crypto::base64("admin:pw")) return true;
  res.set_header("WWW-Authenticate", "Basic realm=\"test\"");
  http::json_error(res, 401, "unauthorized", "admin credentials required");
  return false;
}

// A Server with a few test routes, serving on a loopback port for the test's duration.
struct Running {
  Metrics metrics;
  http::Server server;
  std::thread thread;
  int port = 0;

  explicit Running(http::ServerOptions opts = {}) : server(opts, &metrics) {
    server.get("/boom", http::Access::public_, [](const http::Request&, http::Response&) {
      throw std::runtime_error("kaboom");
    });
    server.get("/boom-int", http::Access::public_, [](const http::Request&, http::Response&) { throw 42; });
    server.post("/echo", http::Access::public_, [](const http::Request& req, http::Response& res) {
      auto body = http::json_body(req, res, 16);
      if (body) http::json_reply(res, 200, *body);
    });
    server.get("/admin", http::Access::admin, [](const http::Request&, http::Response& res) {
      http::json_reply(res, 200, {{"ok", true}});
    });
    server.set_admin_guard(fixture_guard);
    auto p = server.bind("127.0.0.1", 0);
    REQUIRE(p);
    port = *p;
    thread = std::thread([this] { server.run(); });
    for (int i = 0; i < 500 && !server.running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~Running() {
    server.stop();
    thread.join();
  }
  httplib::Client client() const { return httplib::Client("127.0.0.1", port); }
};

json error_of(const httplib::Result& r) { return json::parse(r->body)["error"]; }

}  // namespace

TEST_CASE("http: unknown routes get a JSON 404") {
  Running s;
  auto r = s.client().Get("/nope");
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(error_of(r)["code"] == "not_found");
  CHECK(r->get_header_value("Content-Type") == "application/json");
}

TEST_CASE("http: a throwing handler answers 500 JSON and the server keeps serving") {
  Running s;
  auto c = s.client();
  for (const char* path : {"/boom", "/boom-int"}) {
    auto r = c.Get(path);
    REQUIRE(r);
    CHECK(r->status == 500);
    CHECK(error_of(r)["code"] == "internal");
    CHECK(r->body.find("kaboom") == std::string::npos);  // internals stay in the log
  }
  auto again = c.Get("/nope");
  REQUIRE(again);
  CHECK(again->status == 404);
  CHECK(s.metrics.render().find("owncast_wm_http_handler_exceptions_total 2") != std::string::npos);
}

TEST_CASE("http: request ids are generated or echoed when sane") {
  Running s;
  auto c = s.client();
  auto a = c.Get("/nope");
  auto b = c.Get("/nope");
  REQUIRE((a && b));
  CHECK(!a->get_header_value("X-Request-Id").empty());
  CHECK(a->get_header_value("X-Request-Id") != b->get_header_value("X-Request-Id"));
  auto echoed = c.Get("/nope", {{"X-Request-Id", "abc-123"}});
  REQUIRE(echoed);
  CHECK(echoed->get_header_value("X-Request-Id") == "abc-123");
  auto hostile = c.Get("/nope", {{"X-Request-Id", "a b\"<script>"}});
  REQUIRE(hostile);
  CHECK(hostile->get_header_value("X-Request-Id") != "a b\"<script>");
}

TEST_CASE("http: JSON API bodies have their own smaller limit") {
  Running s;
  auto c = s.client();
  auto ok = c.Post("/echo", "[1,2]", "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  auto big = c.Post("/echo", "[" + std::string(40, '1') + "]", "application/json");
  REQUIRE(big);
  CHECK(big->status == 413);
  CHECK(error_of(big)["code"] == "payload_too_large");
  auto bad = c.Post("/echo", "{", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(error_of(bad)["code"] == "invalid_json");
}

TEST_CASE("http: bodies beyond the server limit are refused with 413 JSON") {
  http::ServerOptions o;
  o.max_body = 1024;
  Running s(o);
  auto r = s.client().Post("/echo", std::string(4096, 'x'), "application/json");
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(error_of(r)["code"] == "payload_too_large");
}

TEST_CASE("http: admin basic auth") {
  Running s;
  auto c = s.client();
  auto none = c.Get("/admin");
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(none->get_header_value("WWW-Authenticate").find("Basic") == 0);
  auto wrong = c.Get("/admin", {{"Authorization", "Basic " + crypto::base64("admin:nope")}});
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  auto user = c.Get("/admin", {{"Authorization", "Basic " + crypto::base64("root:pw")}});
  REQUIRE(user);
  CHECK(user->status == 401);
  auto junk = c.Get("/admin", {{"Authorization", "Basic !!!"}});
  REQUIRE(junk);
  CHECK(junk->status == 401);
  auto good = c.Get("/admin", {{"Authorization", "Basic " + crypto::base64("admin:pw")}});
  REQUIRE(good);
  CHECK(good->status == 200);
}

TEST_CASE("http: the admin guard runs for admin routes only, also when set after registration") {
  Metrics metrics;
  http::Server server({}, &metrics);
  std::atomic<int> guard_calls{0}, handler_calls{0};
  auto handler = [&](const http::Request&, http::Response& res) {
    ++handler_calls;
    http::json_reply(res, 200, {{"ok", true}});
  };
  server.get("/open", http::Access::public_, handler);
  server.post("/locked", http::Access::admin, handler);
  server.set_admin_guard([&](const http::Request& req, http::Response& res) {
    ++guard_calls;
    if (req.get_header_value("X-Let-In") == "yes") return true;
    http::json_error(res, 401, "unauthorized", "no");
    return false;
  });
  auto p = server.bind("127.0.0.1", 0);
  REQUIRE(p);
  std::thread t([&] { server.run(); });
  for (int i = 0; i < 500 && !server.running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  httplib::Client c("127.0.0.1", *p);
  auto open = c.Get("/open");
  REQUIRE(open);
  CHECK(open->status == 200);
  CHECK(guard_calls == 0);
  auto refused = c.Post("/locked", "{}", "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(guard_calls == 1);
  CHECK(handler_calls == 1);  // only /open reached a handler
  auto let_in = c.Post("/locked", {{"X-Let-In", "yes"}}, "{}", "application/json");
  REQUIRE(let_in);
  CHECK(let_in->status == 200);
  CHECK(guard_calls == 2);
  CHECK(handler_calls == 2);
  server.stop();
  t.join();
}

TEST_CASE("http: admin routes without a guard are refused, never served") {
  Metrics metrics;
  http::Server server({}, &metrics);
  bool reached = false;
  server.get("/locked", http::Access::admin, [&](const http::Request&, http::Response& res) {
    reached = true;
    res.status = 204;
  });
  auto p = server.bind("127.0.0.1", 0);
  REQUIRE(p);
  std::thread t([&] { server.run(); });
  for (int i = 0; i < 500 && !server.running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto r = httplib::Client("127.0.0.1", *p).Get("/locked");
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(error_of(r)["code"] == "admin_disabled");
  CHECK_FALSE(reached);
  server.stop();
  t.join();
}

TEST_CASE("http: webhook tokens are redacted from logged paths") {
  CHECK(http::redact_path("/webhooks/owncast/SECRETTOKEN") == "/webhooks/owncast/<redacted>");
  CHECK(http::redact_path("/webhooks/owncast/") == "/webhooks/owncast/<redacted>");
  CHECK(http::redact_path("/healthz") == "/healthz");
  CHECK(http::redact_path("/plugins/wm/viewer-session/SESSIONID") == "/plugins/wm/viewer-session/<redacted>");
  CHECK(http::redact_path("/plugins/wm/viewer-session") == "/plugins/wm/viewer-session");
}
