// The real owncast-wm binary: command line, configuration errors, the data-dir lock, graceful
// shutdown, durability across kill -9, and secrets kept out of logs.
#include <catch2/catch.hpp>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "core/config.h"
#include "core/crypto.h"
#include "support/process.h"
#include "support/test_support.h"

using json = nlohmann::json;
using wm::test::Process;
using wm::test::run_binary;
using wm::test::TempDir;

namespace {

const std::string kPassword = "integration-pw";

std::vector<std::string> serve_args(const std::string& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--admin-password", kPassword};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

std::string webhook_path(Process& p) {
  const std::string marker = "/webhooks/owncast/";
  REQUIRE(p.wait_for_output(marker));
  std::string o = p.out();
  auto at = o.find(marker);
  return o.substr(at, o.find('\n', at) - at);
}

httplib::Headers admin() { return {{"Authorization", "Basic " + wm::crypto::base64("admin:" + kPassword)}}; }

std::string chat_with_id(const std::string& id) {
  json j = json::parse(wm::test::read_file(wm::test::fixture_dir() + "/chat.json"));
  j["eventData"]["id"] = id;
  return j.dump();
}

std::set<std::string> stored_ids(int port) {
  httplib::Client c("127.0.0.1", port);
  std::set<std::string> ids;
  std::string before;
  for (;;) {
    std::string path = "/plugins/wm/api/events?limit=1000" + (before.empty() ? "" : "&before=" + before);
    auto r = c.Get(path.c_str(), admin());
    REQUIRE(r);
    REQUIRE(r->status == 200);
    auto page = json::parse(r->body);
    for (const auto& e : page["events"]) ids.insert(e["id"].get<std::string>());
    if (page["next"].is_null()) break;
    before = page["next"];
  }
  return ids;
}

}  // namespace

TEST_CASE("binary: --help lists every flag with its env var, version prints") {
  auto help = run_binary({"--help"}, {"OWNCAST_WM_ADMIN_PASSWORD=do-not-print-me"});
  CHECK(help.code == 0);
  for (const auto& o : wm::config_options()) {
    INFO(o.flag);
    CHECK(help.out.find("--" + o.flag) != std::string::npos);
    if (!o.env.empty()) CHECK(help.out.find(o.env) != std::string::npos);
  }
  CHECK(help.out.find("do-not-print-me") == std::string::npos);
  auto v = run_binary({"version"});
  CHECK(v.code == 0);
  CHECK(v.out.find("owncast-wm 0.1.0") == 0);
}

TEST_CASE("binary: invalid configuration exits non-zero with one clear line") {
  TempDir dir;
  wm::test::write_file(dir.file("plainfile"), "x");
  struct Case {
    std::vector<std::string> args;
    std::string mentions;
  };
  std::vector<Case> cases = {
      {{"serve", "--listen", "not-an-address", "--data-dir", dir.path()}, "--listen"},
      {{"serve", "--frobnicate", "1"}, "--frobnicate"},
      {{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir.file("plainfile") + "/sub"}, dir.file("plainfile")},
      {{"launch"}, "launch"},
      {{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path(), "--trusted-proxies", "10.0.0.0/99"},
       "--trusted-proxies"},
  };
  for (const auto& c : cases) {
    INFO(c.args.back());
    auto r = run_binary(c.args);
    CHECK(r.code != 0);
    CHECK(r.err.find(c.mentions) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

TEST_CASE("binary: a second process on the same data dir is refused") {
  TempDir dir;
  Process first(WM_BINARY, serve_args(dir.path()));
  REQUIRE(first.port() > 0);
  auto second = run_binary(serve_args(dir.path()));
  CHECK(second.code != 0);
  CHECK(second.err.find("already in use") != std::string::npos);
  CHECK(first.running());
}

TEST_CASE("binary: SIGTERM shuts down cleanly and keeps what was acknowledged (queued acks)") {
  TempDir dir;
  std::string hook;
  {
    Process p(WM_BINARY, serve_args(dir.path()));
    int port = p.port();
    REQUIRE(port > 0);
    hook = webhook_path(p);
    httplib::Client c("127.0.0.1", port);
    for (const auto& [name, body] : wm::test::webhook_fixtures()) {
      auto r = c.Post(hook.c_str(), body, "application/json");
      REQUIRE(r);
      CHECK(r->status == 200);
    }
    p.signal(SIGTERM);
    CHECK(p.wait() == 0);
    CHECK(p.err().find("stopped cleanly") != std::string::npos);
  }
  Process again(WM_BINARY, serve_args(dir.path()));
  int port = again.port();
  REQUIRE(port > 0);
  CHECK(webhook_path(again) == hook);  // the generated token was kept
  CHECK(stored_ids(port).size() == wm::test::webhook_fixtures().size() - 1);  // one duplicate
  again.signal(SIGINT);
  CHECK(again.wait() == 0);
}

TEST_CASE("binary: every acknowledged event survives kill -9 during a burst") {
  TempDir dir;
  std::set<std::string> acked;
  std::mutex mu;
  {
    Process p(WM_BINARY, serve_args(dir.path(), {"--access-log", "off", "--webhook-ack", "durable"}));
    int port = p.port();
    REQUIRE(port > 0);
    std::string hook = webhook_path(p);
    std::atomic<int> sent{0};
    std::atomic<bool> go{true};
    std::vector<std::thread> senders;
    for (int t = 0; t < 4; ++t) {
      senders.emplace_back([&, t] {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(5, 0);
        for (int i = 0; go && i < 100000; ++i) {
          std::string id = "burst-" + std::to_string(t) + "-" + std::to_string(i);
          auto r = c.Post(hook.c_str(), chat_with_id(id), "application/json");
          if (!r) break;  // the server died
          if (r->status == 200) {
            std::lock_guard<std::mutex> lock(mu);
            acked.insert(id);
          }
          ++sent;
        }
      });
    }
    while (sent < 400) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    p.signal(SIGKILL);
    CHECK(p.wait() == 128 + SIGKILL);
    go = false;
    for (auto& s : senders) s.join();
  }
  REQUIRE(acked.size() >= 400);
  Process again(WM_BINARY, serve_args(dir.path()));
  int port = again.port();
  REQUIRE(port > 0);
  auto ids = stored_ids(port);
  size_t missing = 0;
  for (const auto& id : acked) missing += ids.count(id) ? 0 : 1;
  CHECK(missing == 0);
}

TEST_CASE("binary: secrets never appear in the log") {
  TempDir dir;
  const std::string token = "tokentokentokentokentoken1";
  const std::vector<std::string> secrets = {kPassword, token, "hmac-secret-value", "owncast-token-value"};
  Process p(WM_BINARY, serve_args(dir.path(), {"--webhook-token", token, "--webhook-secret", "hmac-secret-value",
                                               "--owncast-url", "http://127.0.0.1:9", "--owncast-token",
                                               "owncast-token-value", "--log-format", "json"}));
  int port = p.port();
  REQUIRE(port > 0);
  httplib::Client c("127.0.0.1", port);
  auto r = c.Post(("/webhooks/owncast/" + token).c_str(), wm::test::read_file(wm::test::fixture_dir() + "/chat.json"),
                  "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  auto bad = c.Post("/webhooks/owncast/guess-guess-guess-guess", "{}", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 404);
  auto api = c.Get("/plugins/wm/api/events", admin());
  REQUIRE(api);
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
  std::string log = p.err();
  CHECK(log.find("/webhooks/owncast/<redacted>") != std::string::npos);
  for (const auto& s : secrets) {
    INFO(s);
    CHECK(log.find(s) == std::string::npos);
  }
  // Every log line is JSON in --log-format json.
  size_t start = 0;
  while (start < log.size()) {
    size_t nl = log.find('\n', start);
    std::string line = log.substr(start, nl - start);
    if (!line.empty() && line.find("AddressSanitizer") == std::string::npos) CHECK(json::parse(line, nullptr, false).is_object());
    start = nl == std::string::npos ? log.size() : nl + 1;
  }
}

TEST_CASE("binary: the data dir files are private") {
  TempDir dir;
  {
    Process p(WM_BINARY, serve_args(dir.path() + "/d"));
    REQUIRE(p.port() > 0);
    p.signal(SIGTERM);
    REQUIRE(p.wait() == 0);
  }
  struct stat st {};
  REQUIRE(stat((dir.path() + "/d/data.mdb").c_str(), &st) == 0);
  CHECK((st.st_mode & 0077) == 0);
}
