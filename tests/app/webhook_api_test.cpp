// The webhook endpoint and the APIs behind it, against an in-process App on loopback with a
// real LMDB store in a temporary directory.
#include <catch2/catch.hpp>

#include <thread>

#include <nlohmann/json.hpp>

#include "core/yaml.h"
#include "owncast/event.h"
#include "support/app_harness.h"
#include "support/test_support.h"

using json = nlohmann::json;
using wm::test::basic_auth;
using wm::test::RunningApp;
using wm::test::TempDir;

namespace {

const char* kPassword = "correct horse battery";

std::string fixture(const std::string& name) { return wm::test::read_file(wm::test::fixture_dir() + "/" + name); }

// Fixtures in the order Owncast would have sent them during one broadcast.
const std::vector<std::string> kBroadcast = {
    "stream-started.json",      "chat.json",
    "user-joined.json",         "chat-html-emoji.json",
    "chat-moderator-authenticated.json", "visibility-update.json",
    "name-change.json",         "fediverse-engagement-follow.json",
    "fediverse-engagement-follow.v0.3.0.json", "stream-title-updated.json",
    "user-parted.json",         "stream-stopped.json"};

json get_json(RunningApp& app, const std::string& path, int expect = 200) {
  auto c = app.client();
  auto r = c.Get(path.c_str(), {{"Authorization", basic_auth(kPassword)}});
  REQUIRE(r);
  INFO(path << " -> " << r->status << " " << r->body);
  REQUIRE(r->status == expect);
  return json::parse(r->body);
}

int post_hook(RunningApp& app, const std::string& body, httplib::Headers headers = {}) {
  auto c = app.client();
  auto r = c.Post(app.webhook_path().c_str(), headers, body, "application/json");
  REQUIRE(r);
  return r->status;
}

void replay(RunningApp& app, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    INFO(n);
    REQUIRE(post_hook(app, fixture(n)) == 200);
  }
}

}  // namespace

TEST_CASE("app: every fixture is accepted and stored") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto all = wm::test::webhook_fixtures();
  for (const auto& [name, body] : all) {
    INFO(name);
    CHECK(post_hook(app, body) == 200);
  }
  auto page = get_json(app, "/plugins/wm/api/events?limit=1000");
  // The two FEDIVERSE_ENGAGEMENT_FOLLOW fixtures are the same delivery (type + id): one is dropped.
  CHECK(page["events"].size() == all.size() - 1);
  CHECK(page["next"].is_null());
}

TEST_CASE("app: a broadcast drives stream state and presence") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  replay(app, {kBroadcast.begin(), kBroadcast.begin() + 7});  // up to the rename

  auto stream = get_json(app, "/plugins/wm/stream");
  CHECK(stream["online"] == true);
  CHECK(stream["startedAt"] == "2026-05-02T19:00:07.004318226Z");
  CHECK(stream["viewers"]["current"] == 3);
  auto viewers = get_json(app, "/plugins/wm/api/viewers")["viewers"];
  REQUIRE(viewers.size() == 3);
  bool renamed = false;
  for (const auto& v : viewers)
    if (v["userId"] == "z8Nq2_WkR") renamed = v["displayName"] == "Nova";
  CHECK(renamed);

  replay(app, {kBroadcast.begin() + 7, kBroadcast.end() - 1});  // through the part
  CHECK(get_json(app, "/plugins/wm/stream")["viewers"]["current"] == 2);
  CHECK(get_json(app, "/plugins/wm/stream")["title"] == json::parse(fixture("stream-title-updated.json"))["eventData"]["streamTitle"]);

  replay(app, {"stream-stopped.json"});
  stream = get_json(app, "/plugins/wm/stream");
  CHECK(stream["online"] == false);
  CHECK(stream["startedAt"].is_null());
  CHECK(stream["viewers"]["current"] == 0);
  CHECK(stream["viewers"]["peak"] == 3);
  CHECK(get_json(app, "/plugins/wm/api/viewers")["viewers"].empty());
  auto streams = get_json(app, "/plugins/wm/api/streams")["streams"];
  REQUIRE(streams.size() == 1);
  CHECK(streams[0]["id"] == "Wt0kptnVR");
  CHECK(streams[0]["endedAt"] == "2026-05-02T21:02:44.912004361Z");
  CHECK(streams[0]["peakViewers"] == 3);
  CHECK(streams[0]["live"] == false);
}

TEST_CASE("app: events are listed newest first with cursor paging and a type filter") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  replay(app, kBroadcast);
  auto first = get_json(app, "/plugins/wm/api/events?limit=5");
  REQUIRE(first["events"].size() == 5);
  CHECK(first["events"][0]["type"] == "STREAM_STOPPED");
  REQUIRE(first["next"].is_string());
  std::vector<std::string> seen;
  json page = first;
  for (;;) {
    for (const auto& e : page["events"]) seen.push_back(e["type"]);
    if (page["next"].is_null()) break;
    page = get_json(app, "/plugins/wm/api/events?limit=5&before=" + page["next"].get<std::string>());
  }
  CHECK(seen.size() == kBroadcast.size() - 1);
  CHECK(seen.back() == "STREAM_STARTED");

  auto chats = get_json(app, "/plugins/wm/api/events?type=CHAT");
  REQUIRE(chats["events"].size() == 3);
  CHECK(chats["events"][0]["id"] == "pQ7_x3LmR");
  CHECK(chats["events"][0]["user"]["displayName"] == "Mira ✨");
  CHECK(chats["events"][0]["eventTime"] == "2026-05-02T19:17:45.000418551Z");
  CHECK(chats["events"][0]["data"]["rawBody"].is_string());
  auto page2 = get_json(app, "/plugins/wm/api/events?type=CHAT&limit=2");
  auto rest = get_json(app, "/plugins/wm/api/events?type=CHAT&limit=2&before=" + page2["next"].get<std::string>());
  REQUIRE(rest["events"].size() == 1);
  CHECK(rest["events"][0]["id"] == "Xa9kP2mQg");
  CHECK(rest["next"].is_null());
}

TEST_CASE("app: name change keeps its empty id and zero time as unset") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  replay(app, {"name-change.json", "name-change.json"});
  auto page = get_json(app, "/plugins/wm/api/events?type=NAME_CHANGE");
  REQUIRE(page["events"].size() == 2);  // never deduplicated
  CHECK(page["events"][0]["id"] == "");
  CHECK(page["events"][0]["eventTime"].is_null());
  CHECK(page["events"][0]["receivedAt"].is_string());
}

TEST_CASE("app: events API rejects bad parameters with JSON errors") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  for (const char* q : {"limit=0", "limit=abc", "limit=100000", "before=zz", "before=00"}) {
    INFO(q);
    auto err = get_json(app, std::string("/plugins/wm/api/events?") + q, 400);
    CHECK(err["error"]["code"].is_string());
    CHECK(err["error"]["message"].is_string());
  }
}

TEST_CASE("app: malformed webhook bodies answer 400 and are counted") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  CHECK(post_hook(app, "{not json") == 400);
  CHECK(post_hook(app, "[1,2]") == 400);
  CHECK(post_hook(app, "\"CHAT\"") == 400);
  CHECK(post_hook(app, "{\"eventData\":{}}") == 400);
  CHECK(post_hook(app, "") == 400);
  auto c = app.client();
  auto m = c.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("owncast_wm_webhook_rejected_total{reason=\"invalid_json\"} 2") != std::string::npos);
  CHECK(m->body.find("owncast_wm_webhook_rejected_total{reason=\"not_object\"} 3") != std::string::npos);
  CHECK(get_json(app, "/plugins/wm/api/events")["events"].empty());
}

TEST_CASE("app: unknown event types and keys are stored raw") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  CHECK(post_hook(app, R"({"eventData":{"id":"x1","whatever":[1,2]},"type":"FEDIVERSE_REPLY","extra":true})") == 200);
  auto e = get_json(app, "/plugins/wm/api/events")["events"][0];
  CHECK(e["type"] == "FEDIVERSE_REPLY");
  CHECK(e["data"]["whatever"] == json::array({1, 2}));
  CHECK(e["user"].is_null());
}

TEST_CASE("app: duplicate deliveries are dropped and counted") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  replay(app, {"chat.json", "chat.json", "user-joined.json", "user-joined.json"});
  CHECK(get_json(app, "/plugins/wm/api/events")["events"].size() == 2);
  auto c = app.client();
  auto m = c.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("owncast_wm_webhook_duplicates_total 2") != std::string::npos);
}

TEST_CASE("app: a wrong or missing webhook token is a bare 404") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto c = app.client();
  std::string good = app.webhook_path();
  std::string wrong = good.substr(0, good.size() - 1) + (good.back() == 'A' ? "B" : "A");
  for (const std::string& path : {wrong, std::string("/webhooks/owncast/"), std::string("/webhooks/owncast/x")}) {
    auto r = c.Post(path.c_str(), fixture("chat.json"), "application/json");
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(json::parse(r->body)["error"]["code"] == "not_found");
  }
  auto r = c.Get("/no/such/route");
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(json::parse(r->body)["error"]["code"] == "not_found");
  CHECK(get_json(app, "/plugins/wm/api/events")["events"].empty());
}

TEST_CASE("app: two configured webhook tokens both work (rotation)") {
  TempDir dir;
  std::string t1(24, 'a'), t2(24, 'b');
  RunningApp app(dir.path(), {"--admin-password", kPassword, "--webhook-token", t1 + "," + t2});
  auto c = app.client();
  for (const auto& t : {t1, t2}) {
    auto r = c.Post(("/webhooks/owncast/" + t).c_str(), fixture("chat.json"), "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  auto urls = get_json(app, "/plugins/wm/api/webhook")["urls"];
  REQUIRE(urls.size() == 2);
  CHECK(urls[0].get<std::string>().find(t1) != std::string::npos);
}

TEST_CASE("app: a generated webhook token is 128-bit and survives restart") {
  TempDir dir;
  std::string first;
  {
    RunningApp app(dir.path());
    first = app.webhook_path();
  }
  RunningApp again(dir.path());
  CHECK(again.webhook_path() == first);
  CHECK(first.size() - std::string("/webhooks/owncast/").size() >= 22);
}

TEST_CASE("app: signatures are verified per mode") {
  TempDir dir;
  const std::string secret = "whsec-test-secret";
  std::string body = fixture("chat.json");
  auto now = std::time(nullptr);

  SECTION("if-present: unsigned accepted, bad signature refused") {
    RunningApp app(dir.path(), {"--webhook-secret", secret});
    CHECK(post_hook(app, body) == 200);
    CHECK(post_hook(app, fixture("user-joined.json"), {{"Owncast-Signature", wm::owncast::sign(fixture("user-joined.json"), secret, now)}}) == 200);
    CHECK(post_hook(app, body, {{"owncast-signature", wm::owncast::sign(body, "other", now)}}) == 401);
    CHECK(post_hook(app, body, {{"owncast-signature", wm::owncast::sign(body, secret, now - 301)}}) == 401);
    CHECK(post_hook(app, body, {{"owncast-signature", "t=1.s=zz"}}) == 401);
  }
  SECTION("required: unsigned refused") {
    RunningApp app(dir.path(), {"--webhook-secret", secret, "--webhook-signatures", "required"});
    CHECK(post_hook(app, body) == 401);
    CHECK(post_hook(app, body, {{"owncast-signature", wm::owncast::sign(body, secret, now)}}) == 200);
    // The signature covers the exact bytes: a reformatted body fails.
    CHECK(post_hook(app, body + " ", {{"owncast-signature", wm::owncast::sign(body, secret, now)}}) == 401);
  }
  SECTION("off: signatures ignored") {
    RunningApp app(dir.path(), {"--webhook-secret", secret, "--webhook-signatures", "off"});
    CHECK(post_hook(app, body, {{"owncast-signature", "garbage"}}) == 200);
  }
}

TEST_CASE("app: state and events survive a restart") {
  TempDir dir;
  {
    RunningApp app(dir.path(), {"--admin-password", kPassword});
    replay(app, {kBroadcast.begin(), kBroadcast.begin() + 5});
  }
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto stream = get_json(app, "/plugins/wm/stream");
  CHECK(stream["online"] == true);
  CHECK(stream["viewers"]["current"] == 3);
  CHECK(get_json(app, "/plugins/wm/api/events?limit=100")["events"].size() == 5);
  // A redelivery after restart is still recognised as a duplicate.
  replay(app, {"chat.json"});
  CHECK(get_json(app, "/plugins/wm/api/events?limit=100")["events"].size() == 5);
}

TEST_CASE("app: healthz, metrics and CORS on the public stream route") {
  TempDir dir;
  RunningApp app(dir.path());
  auto c = app.client();
  auto h = c.Get("/healthz");
  REQUIRE(h);
  CHECK(json::parse(h->body) == json{{"status", "ok"}});
  CHECK(!h->get_header_value("X-Request-Id").empty());
  replay(app, {"stream-started.json", "user-joined.json"});
  auto m = c.Get("/metrics");
  REQUIRE(m);
  CHECK(m->get_header_value("Content-Type").find("text/plain") == 0);
  for (const char* needle :
       {"owncast_wm_webhook_events_total{type=\"USER_JOINED\"} 1", "owncast_wm_webhook_events_total{type=\"STREAM_STARTED\"} 1",
        "owncast_wm_webhook_duplicates_total 0", "owncast_wm_store_commit_seconds_bucket{le=\"+Inf\"}",
        "owncast_wm_viewers 1", "owncast_wm_uptime_seconds ", "# TYPE owncast_wm_store_commit_seconds histogram"}) {
    INFO(needle);
    CHECK(m->body.find(needle) != std::string::npos);
  }
  auto s = c.Get("/plugins/wm/stream", {{"Origin", "https://live.example.net"}});
  REQUIRE(s);
  CHECK(s->get_header_value("Access-Control-Allow-Origin") == "*");
  auto pre = c.Options("/plugins/wm/stream");
  REQUIRE(pre);
  CHECK(pre->status == 204);
}

TEST_CASE("app: every admin route refuses requests without the password") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto c = app.client();
  int admin_routes = 0;
  auto send = [&](const std::string& method, const std::string& path, const httplib::Headers& h) {
    if (method == "GET") return c.Get(path.c_str(), h);
    if (method == "PUT") return c.Put(path.c_str(), h, "{}", "application/json");
    if (method == "DELETE") return c.Delete(path.c_str(), h);
    return c.Post(path.c_str(), h, "{}", "application/json");
  };
  for (const auto& route : app.app().routes()) {
    if (route.access != wm::http::Access::admin) continue;
    ++admin_routes;
    // Regex groups ("(...)") become a plausible path segment.
    std::string path;
    for (size_t i = 0; i < route.pattern.size(); ++i) {
      if (route.pattern[i] != '(') {
        path += route.pattern[i];
        continue;
      }
      int depth = 0;
      for (; i < route.pattern.size(); ++i) {
        if (route.pattern[i] == '(') ++depth;
        if (route.pattern[i] == ')' && --depth == 0) break;
      }
      path += "x1";
    }
    INFO(route.method << " " << path);
    auto none = send(route.method, path, {});
    REQUIRE(none);
    CHECK(none->status == 401);
    CHECK(json::parse(none->body)["error"]["code"] == "unauthorized");
    auto bad = send(route.method, path, {{"Authorization", basic_auth("wrong")}});
    REQUIRE(bad);
    // 401, or 429 once this client's wrong passwords reached the login backoff.
    CHECK((bad->status == 401 || bad->status == 429));
  }
  CHECK(admin_routes >= 4);
}

TEST_CASE("app: without an admin password the admin API answers 403 with a hint") {
  TempDir dir;
  RunningApp app(dir.path());
  auto c = app.client();
  auto r = c.Get("/plugins/wm/api/events", {{"Authorization", basic_auth("")}});
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(json::parse(r->body)["error"]["message"].get<std::string>().find("--admin-password") != std::string::npos);
}

TEST_CASE("app: oversized bodies are refused with 413 JSON") {
  TempDir dir;
  RunningApp app(dir.path());
  auto c = app.client();
  // A 1 MiB chat body is fine (Owncast's rendered bodies can be large)...
  json big = json::parse(fixture("chat.json"));
  big["eventData"]["body"] = std::string(1u << 20, 'a');
  CHECK(post_hook(app, big.dump()) == 200);
  // ...but beyond the hard limit the server refuses before reading it all.
  auto r = c.Post(app.webhook_path().c_str(), std::string(3u << 20, 'a'), "application/json");
  REQUIRE(r);
  CHECK(r->status == 413);
}

TEST_CASE("app: plugin.yml is served byte for byte and describes what the server does") {
  TempDir dir;
  RunningApp app(dir.path());
  auto c = app.client();
  auto r = c.Get("/plugins/wm/plugin.yml");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->body == wm::test::read_file(wm::test::source_dir() + "/plugin.yml"));

  auto doc = wm::yaml::parse(r->body);
  REQUIRE(doc);
  const json& d = *doc;
  CHECK(d["name"] == "owncast-wm");
  CHECK(d["version"].is_string());
  CHECK(d["description"].is_string());
  // The events to subscribe are exactly the types the parser knows.
  std::vector<std::string> events = d["webhook"]["events"];
  CHECK(events == wm::owncast::known_event_types());
  // The webhook path template, filled with the real token, is the live endpoint.
  std::string path = d["webhook"]["path"];
  std::string token = app.webhook_path().substr(std::string("/webhooks/owncast/").size());
  path.replace(path.find("{token}"), 7, token);
  CHECK(post_hook(app, fixture("chat.json")) == 200);
  auto hook = c.Post(path.c_str(), fixture("user-joined.json"), "application/json");
  REQUIRE(hook);
  CHECK(hook->status == 200);
  // Paths it names for the browser exist.
  for (const std::string& p : {d["admin"]["path"].get<std::string>(), d["externalAction"]["icon"].get<std::string>()}) {
    INFO(p);
    auto got = c.Get(p.c_str());
    REQUIRE(got);
    CHECK(got->status == 200);
  }
  CHECK(d["externalAction"]["title"].is_string());
  CHECK(d["externalAction"]["color"].get<std::string>().rfind("#", 0) == 0);
  CHECK(d["externalAction"]["openExternally"] == false);
  std::vector<std::string> scopes = d["accessToken"]["scopes"];
  CHECK(std::find(scopes.begin(), scopes.end(), "HAS_ADMIN_ACCESS") != scopes.end());
}

TEST_CASE("app: queued acknowledgements are committed shortly after") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword, "--webhook-ack", "queued"});
  auto c = app.client();
  auto r = c.Post(app.webhook_path().c_str(), fixture("chat.json"), "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(json::parse(r->body)["status"] == "accepted");
  bool stored = false;
  for (int i = 0; i < 500 && !stored; ++i) {
    stored = get_json(app, "/plugins/wm/api/events")["events"].size() == 1;
    if (!stored) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(stored);
}
