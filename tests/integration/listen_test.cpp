// The real binary's listeners (issue 11): an exclusive bind, and --webhook-listen serving only
// Owncast's webhook and /healthz on its own port.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "support/process.h"
#include "support/test_support.h"

using json = nlohmann::json;
using wm::test::Process;
using wm::test::run_binary;
using wm::test::TempDir;

namespace {

const std::string kPassword = "integration-pw";

httplib::Headers admin() { return {{"Authorization", "Basic " + wm::crypto::base64("admin:" + kPassword)}}; }

// "http://127.0.0.1:PORT/webhooks/owncast/TOKEN" from the startup output.
std::string printed_webhook_url(Process& p) {
  const std::string marker = "Owncast webhook URL (Admin > Integrations > Webhooks): ";
  REQUIRE(p.wait_for_output(marker));
  std::string o = p.out();
  auto at = o.find(marker) + marker.size();
  return o.substr(at, o.find('\n', at) - at);
}

int port_of(const std::string& url) {
  auto colon = url.find(':', std::string("http://").size());
  return std::stoi(url.substr(colon + 1));
}

std::string path_of(const std::string& url) { return url.substr(url.find('/', std::string("http://").size())); }

}  // namespace

TEST_CASE("binary: a second process on the same address exits with status 2 and one line") {
  TempDir a, b;
  Process first(WM_BINARY, {"serve", "--listen", "127.0.0.1:0", "--data-dir", a.path()});
  const int port = first.port();
  REQUIRE(port > 0);
  auto second = run_binary({"serve", "--listen", "127.0.0.1:" + std::to_string(port), "--data-dir", b.path()});
  CHECK(second.code == 2);
  CHECK(second.err.find("address already in use") != std::string::npos);
  CHECK(std::count(second.err.begin(), second.err.end(), '\n') == 1);
  CHECK(first.running());
}

TEST_CASE("binary: --webhook-listen serves only the webhook and /healthz, and the URLs name it") {
  TempDir dir;
  Process p(WM_BINARY, {"serve", "--listen", "127.0.0.1:0", "--webhook-listen", "127.0.0.1:0", "--data-dir", dir.path(),
                        "--admin-password", kPassword});
  const int pub = p.port();
  REQUIRE(pub > 0);
  const std::string url = printed_webhook_url(p);
  const int hook = port_of(url);
  CHECK(hook != pub);
  CHECK(p.out().find("webhook listener on http://127.0.0.1:" + std::to_string(hook)) != std::string::npos);

  httplib::Client h("127.0.0.1", hook), c("127.0.0.1", pub);
  const std::string chat = wm::test::read_file(wm::test::fixture_dir() + "/chat.json");
  auto ok = h.Post(path_of(url).c_str(), chat, "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  auto health = h.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  for (const char* other : {"/plugins/wm/stream", "/metrics", "/plugins/wm/api/webhook"}) {
    INFO(other);
    auto r = h.Get(other);
    REQUIRE(r);
    CHECK(r->status == 404);
  }
  // The public listener no longer takes webhooks: they must not compete with the public.
  auto pub_hook = c.Post(path_of(url).c_str(), chat, "application/json");
  REQUIRE(pub_hook);
  CHECK(pub_hook->status == 404);
  auto api = c.Get("/plugins/wm/api/webhook", admin());
  REQUIRE(api);
  REQUIRE(api->status == 200);
  auto j = json::parse(api->body);
  CHECK(j["url"] == url);
  CHECK(j["webhookListenUrl"] == url);
  CHECK(j["publicUrl"] == "http://127.0.0.1:" + std::to_string(pub));
}

TEST_CASE("binary: the 2 MiB webhook limit needs a valid token; other bodies are limited to 64 KiB") {
  TempDir dir;
  Process p(WM_BINARY, {"serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path(), "--admin-password", kPassword});
  REQUIRE(p.port() > 0);
  const std::string url = printed_webhook_url(p);
  httplib::Client c("127.0.0.1", p.port());
  json big = json::parse(wm::test::read_file(wm::test::fixture_dir() + "/chat.json"));
  big["eventData"]["body"] = std::string(200000, 'x');
  auto good = c.Post(path_of(url).c_str(), big.dump(), "application/json");
  REQUIRE(good);
  CHECK(good->status == 200);
  auto wrong = c.Post("/webhooks/owncast/not-the-token-not-the-token", big.dump(), "application/json");
  REQUIRE(wrong);
  CHECK(wrong->status == 413);
  auto noop = c.Post("/plugins/wm/noop", std::string(100000, 'x'), "text/plain");
  REQUIRE(noop);
  CHECK(noop->status == 413);
  CHECK(json::parse(noop->body)["error"]["code"] == "payload_too_large");
}
