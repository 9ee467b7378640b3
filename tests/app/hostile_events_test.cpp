// Poisoned webhook events (issue 11, findings 3, 4 and 7): deep nesting, oversized ids, one
// event the store refuses, huge events paged by bytes.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "core/json_limits.h"
#include "owncast/event_page.h"
#include "owncast/service.h"
#include "store/store.h"
#include "support/app_harness.h"
#include "support/test_support.h"

using json = nlohmann::json;
using namespace wm;
using test::basic_auth;
using test::RunningApp;
using test::TempDir;

namespace {

const char* kPassword = "correct horse battery";

std::string nested(size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

std::string chat_with(const std::string& id, const std::string& extra_json = "1", const std::string& type = "CHAT") {
  return R"({"type":")" + type + R"(","eventData":{"id":")" + id +
         R"(","timestamp":"2026-05-02T19:14:31Z","user":{"id":"u1","displayName":"a"},"body":"hi","extra":)" +
         extra_json + "}}";
}

httplib::Result post_hook(RunningApp& app, const std::string& body) {
  auto c = app.client();
  return c.Post(app.webhook_path().c_str(), body, "application/json");
}

json get_json(RunningApp& app, const std::string& path) {
  auto c = app.client();
  auto r = c.Get(path.c_str(), {{"Authorization", basic_auth(kPassword)}});
  REQUIRE(r);
  INFO(path << " -> " << r->status << " " << r->body.substr(0, 300));
  REQUIRE(r->status == 200);
  return json::parse(r->body);
}

std::string error_code(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body);
  auto j = json::parse(r->body);
  CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
  return j["error"]["code"];
}

}  // namespace

TEST_CASE("hostile: a webhook nested deeper than 64 levels is refused with 400 and not stored") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  // 60,000 nested arrays (120 KB): the body that used to be stored and then crash every listing.
  auto r = post_hook(app, chat_with("deep1", nested(60000)));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(error_code(r) == "too_deep");
  // The limit is exact: the envelope and eventData are 2 levels, so 62 more reach 64.
  auto at_limit = post_hook(app, chat_with("ok64", nested(json_limits::kMaxDepth - 2)));
  REQUIRE(at_limit);
  CHECK(at_limit->status == 200);
  auto over = post_hook(app, chat_with("no65", nested(json_limits::kMaxDepth - 1)));
  REQUIRE(over);
  CHECK(over->status == 400);
  auto events = get_json(app, "/plugins/wm/api/events?limit=1000")["events"];
  REQUIRE(events.size() == 1);
  CHECK(events[0]["id"] == "ok64");
  CHECK(json_limits::depth(events[0]["data"]) == json_limits::kMaxDepth - 1);
}

TEST_CASE("hostile: the JSON APIs refuse deep nesting with 400 too_deep") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto c = app.client();
  auto r = c.Post("/plugins/wm/viewer-session", "{\"walletAddress\":" + nested(10000) + "}", "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(error_code(r) == "too_deep");
}

TEST_CASE("hostile: an oversized type or id is refused at parse time with a clear 400") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto long_type = post_hook(app, chat_with("t1", "1", std::string(65, 'C')));
  CHECK(error_code(long_type) == "field_too_long");
  CHECK(long_type->status == 400);
  auto long_id = post_hook(app, chat_with(std::string(600, 'x')));
  CHECK(error_code(long_id) == "field_too_long");
  CHECK(long_id->body.find("eventData.id") != std::string::npos);
  std::string long_user = chat_with("u-long");
  long_user.replace(long_user.find("\"u1\""), 4, "\"" + std::string(300, 'u') + "\"");
  CHECK(error_code(post_hook(app, long_user)) == "field_too_long");
  // The caps themselves are accepted (and stored, keys within LMDB's 511 bytes).
  auto at_cap = post_hook(app, chat_with(std::string(owncast::kMaxIdBytes, 'y'), "1",
                                         std::string(owncast::kMaxTypeBytes, 'T')));
  REQUIRE(at_cap);
  CHECK(at_cap->status == 200);
  CHECK(get_json(app, "/plugins/wm/api/events")["events"].size() == 1);
}

TEST_CASE("hostile: a deep event already in the store is listed without its data, never crashes") {
  TempDir dir;
  {
    // As an earlier version stored it: header line, newline, raw body.
    store::Options so;
    so.dir = dir.path();
    auto st = store::Store::open(so);
    REQUIRE(st);
    auto& s = **st;
    std::string key = store::key::time_seq(1777749271000000000ULL, 1);
    std::string record =
        R"({"type":"CHAT","id":"deep","eventTime":null,"receivedAt":"2026-05-02T19:14:31Z","user":null})"
        "\n" +
        chat_with("deep", nested(60000));
    REQUIRE(s.update([&](store::WriteTxn& txn) -> Status {
      if (auto r = txn.put(s.table("events"), key, record); !r) return r;
      return txn.put(s.table("events_by_type"), std::string("CHAT") + '\0' + key, "");
    }));
  }
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  for (const char* path : {"/plugins/wm/api/events", "/plugins/wm/api/events?type=CHAT&limit=1000"}) {
    auto events = get_json(app, path)["events"];
    REQUIRE(events.size() == 1);
    CHECK(events[0]["id"] == "deep");
    CHECK(events[0]["dataOmitted"] == "too_deep");
    CHECK(events[0]["data"] == json::object());
  }
}

TEST_CASE("hostile: an events page is bounded by bytes as well as by count; next continues") {
  TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  const std::string big = "\"" + std::string(200 * 1024, 'b') + "\"";
  const int n = 12;  // 2.4 MB of events
  for (int i = 0; i < n; ++i) {
    auto r = post_hook(app, chat_with("big" + std::to_string(i), big));
    REQUIRE(r);
    REQUIRE(r->status == 200);
  }
  std::set<std::string> seen;
  std::string path = "/plugins/wm/api/events?limit=1000";
  int pages = 0;
  for (;;) {
    auto c = app.client();
    auto r = c.Get(path.c_str(), {{"Authorization", basic_auth(kPassword)}});
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(r->body.size() < owncast::kEventPageMaxBytes + 300 * 1024);
    auto page = json::parse(r->body);
    CHECK_FALSE(page["events"].empty());
    for (const auto& e : page["events"]) seen.insert(e["id"].get<std::string>());
    ++pages;
    if (page["next"].is_null()) break;
    path = "/plugins/wm/api/events?limit=1000&before=" + page["next"].get<std::string>();
    REQUIRE(pages < 20);
  }
  CHECK(pages >= 3);
  CHECK(seen.size() == static_cast<size_t>(n));
}
