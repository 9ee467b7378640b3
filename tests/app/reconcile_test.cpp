// Presence reconcile from Owncast's integration API, against a fake Owncast on loopback.
#include <catch2/catch.hpp>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/app_harness.h"
#include "support/test_support.h"

using json = nlohmann::json;
using wm::test::RunningApp;

namespace {

// Serves GET /api/integrations/clients like Owncast, counting calls and checking the token.
struct FakeOwncast {
  httplib::Server svr;
  std::thread thread;
  int port = 0;
  std::atomic<int> calls{0}, refused{0};
  std::string body;

  explicit FakeOwncast(std::string token) {
    body = wm::test::read_file(wm::test::fixture_dir() + "/api/clients.response.json");
    svr.Get("/api/integrations/clients", [this, token](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != "Bearer " + token) {
        ++refused;
        res.status = 401;
        res.set_content(wm::test::read_file(wm::test::fixture_dir() + "/api/unauthorized.response.txt"), "text/plain");
        return;
      }
      ++calls;
      res.set_content(body, "application/json");
    });
    port = svr.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { svr.listen_after_bind(); });
  }
  ~FakeOwncast() {
    svr.stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

json viewers(RunningApp& app) {
  auto c = app.client();
  auto r = c.Get("/plugins/wm/api/viewers", {{"Authorization", wm::test::basic_auth("pw")}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return json::parse(r->body)["viewers"];
}

template <typename F>
bool eventually(F&& f) {
  for (int i = 0; i < 1000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("reconcile: connected clients from Owncast become viewers at start") {
  FakeOwncast owncast("tok");
  wm::test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", "pw", "--owncast-url", owncast.url(), "--owncast-token", "tok"});
  auto expected = json::parse(owncast.body);
  size_t humans = 0;
  for (const auto& c : expected)
    if (!c["user"].value("isBot", false)) ++humans;
  REQUIRE(eventually([&] { return viewers(app).size() == humans; }));
  bool found = false;
  for (const auto& v : viewers(app))
    if (v["userId"] == expected[0]["user"]["id"]) found = v["displayName"] == expected[0]["user"]["displayName"];
  CHECK(found);
}

TEST_CASE("reconcile: STREAM_STARTED triggers a fresh fetch") {
  FakeOwncast owncast("tok");
  wm::test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", "pw", "--owncast-url", owncast.url(), "--owncast-token", "tok"});
  REQUIRE(eventually([&] { return owncast.calls >= 1; }));
  int before = owncast.calls;
  auto c = app.client();
  auto r = c.Post(app.webhook_path().c_str(), wm::test::read_file(wm::test::fixture_dir() + "/stream-started.json"),
                  "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(eventually([&] { return owncast.calls > before; }));
}

TEST_CASE("reconcile: Owncast down or refusing the token is not fatal") {
  FakeOwncast owncast("right");
  wm::test::TempDir dir;
  SECTION("wrong token") {
    RunningApp app(dir.path(), {"--admin-password", "pw", "--owncast-url", owncast.url(), "--owncast-token", "wrong"});
    REQUIRE(eventually([&] { return owncast.refused >= 1; }));
    CHECK(viewers(app).empty());
  }
  SECTION("nothing listening") {
    RunningApp app(dir.path(), {"--admin-password", "pw", "--owncast-url", "http://127.0.0.1:9", "--owncast-token", "t"});
    auto c = app.client();
    auto h = c.Get("/healthz");
    REQUIRE(h);
    CHECK(h->status == 200);
  }
}
