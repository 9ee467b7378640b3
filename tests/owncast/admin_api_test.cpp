// Probing Owncast and connecting the sidecar with Owncast's admin API, against FakeOwncast.
#include "owncast/admin_api.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <set>

#include "core/crypto.h"
#include "core/yaml.h"
#include "support/fake_owncast.h"
#include "support/test_support.h"

using json = nlohmann::json;
using wm::test::FakeOwncast;
namespace oc = wm::owncast;

namespace {

const std::string kPublic = "https://tips.example.org";
const std::string kHookToken = "hooktoken-AAAAAAAAAAAAAAAAAAAAAA";
const std::vector<std::string> kAllScopes = {"HAS_ADMIN_ACCESS", "CAN_SEND_SYSTEM_MESSAGES", "CAN_SEND_MESSAGES"};

json plugin_yml() {
  auto doc = wm::yaml::parse(wm::test::read_file(wm::test::source_dir() + "/plugin.yml"));
  REQUIRE(doc.ok());
  return *doc;
}

std::vector<std::string> yml_strings(const json& arr) {
  std::vector<std::string> out;
  for (const auto& v : arr) out.push_back(v.get<std::string>());
  return out;
}

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

oc::ConnectPlan plan(const std::string& hook_token = kHookToken) {
  auto p = oc::plan_from_plugin_yml(kPublic, hook_token);
  REQUIRE(p.ok());
  return *p;
}

std::vector<FakeOwncast::Webhook> hooks_with_url(const FakeOwncast& f, const std::string& url) {
  std::vector<FakeOwncast::Webhook> out;
  for (const auto& h : f.webhooks())
    if (h.url == url) out.push_back(h);
  return out;
}

size_t posts(const FakeOwncast& f) {
  size_t n = 0;
  for (const auto& c : f.calls()) n += c.method == "POST";
  return n;
}

const json kKofi = {{"url", "https://ko-fi.com/streamer"}, {"title", "Ko-fi"}, {"description", "Buy me a coffee"},
                    {"icon", "https://ko-fi.com/icon.png"}, {"color", "#ff5e5b"}, {"openExternally", true}};
const json kRules = {{"html", "<p>Be nice</p>"}, {"title", "Rules"}, {"description", "Chat rules"},
                     {"openExternally", false}};

}  // namespace

TEST_CASE("owncast: probe reads version and online, and each scope of a token without sending anything") {
  FakeOwncast::Options o;
  o.version = "0.2.5";
  o.online = true;
  FakeOwncast fake(o);
  std::string all = fake.add_token("all", kAllScopes);

  auto p = oc::probe(fake.url(), all);
  REQUIRE(p.ok());
  CHECK(p->version == "0.2.5");
  CHECK(p->online);
  CHECK(p->scopes == std::map<std::string, bool>{
                         {"HAS_ADMIN_ACCESS", true}, {"CAN_SEND_SYSTEM_MESSAGES", true}, {"CAN_SEND_MESSAGES", true}});

  for (const auto& only : kAllScopes) {
    DYNAMIC_SECTION("only " << only) {
      std::string token = fake.add_token("one", {only});
      auto q = oc::probe(fake.url() + "/", token);
      REQUIRE(q.ok());
      for (const auto& s : kAllScopes) {
        INFO(s);
        CHECK(q->scopes.at(s) == (s == only));
      }
    }
  }
  SECTION("an unknown token has no scope") {
    auto q = oc::probe(fake.url(), "x" + all.substr(1));
    REQUIRE(q.ok());
    for (const auto& s : kAllScopes) CHECK_FALSE(q->scopes.at(s));
  }
  SECTION("no token: only the public status is read") {
    fake.set_online(false);
    fake.clear_calls();
    auto q = oc::probe(fake.url(), "");
    REQUIRE(q.ok());
    CHECK_FALSE(q->online);
    for (const auto& s : kAllScopes) CHECK_FALSE(q->scopes.at(s));
    REQUIRE(fake.calls().size() == 1);
    CHECK(fake.calls()[0].path == "/api/status");
    CHECK(fake.calls()[0].authorization.empty());
  }
  CHECK(fake.messages().empty());
  CHECK(fake.changes() == 0);
  for (const auto& c : fake.calls("POST", "/api/integrations/chat/send")) CHECK(json::parse(c.body)["body"] == "");
  for (const auto& c : fake.calls("POST", "/api/integrations/chat/system")) CHECK_FALSE(json::parse(c.body).contains("body"));
}

TEST_CASE("owncast: probe tells an unreachable server, something that is not Owncast and a bad URL apart") {
  std::string gone;
  {
    FakeOwncast fake;
    gone = fake.url();
  }
  auto r = oc::probe(gone, "", 2);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "owncast_unreachable");

  FakeOwncast fake;
  fake.script("GET", "/api/status", {200, "<!doctype html><title>nginx</title>", "text/html"});
  fake.script("GET", "/api/status", {404, "404 page not found\n", "text/plain"});
  fake.script("GET", "/api/status", {200, R"({"status":"ok","online":true})"});
  fake.script("GET", "/api/status", {200, R"({"versionNumber":"0.2.5","online":"yes"})"});
  for (int i = 0; i < 4; ++i) {
    auto n = oc::probe(fake.url(), "");
    REQUIRE_FALSE(n.ok());
    CHECK(n.error().code == "not_owncast");
  }
  CHECK(oc::probe(fake.url(), "").ok());  // the scripts are used up: the real status again

  for (const char* bad : {"", "ftp://127.0.0.1", "127.0.0.1:8080", "http://", "http://admin:pw@host", "http://a b"}) {
    INFO(bad);
    auto b = oc::probe(bad, "");
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code == "invalid_url");
  }
}

TEST_CASE("owncast: the connect plan follows plugin.yml with absolute URLs") {
  json yml = plugin_yml();
  auto p = oc::plan_from_plugin_yml(kPublic + "/", kHookToken);
  REQUIRE(p.ok());
  CHECK(p->webhook_url == kPublic + "/webhooks/owncast/" + kHookToken);
  CHECK(p->webhook_url_prefix == kPublic + "/webhooks/owncast/");
  CHECK(p->events == yml_strings(yml["webhook"]["events"]));
  CHECK(p->scopes == yml_strings(yml["accessToken"]["scopes"]));
  CHECK(p->external_action["url"] == kPublic + yml["externalAction"]["url"].get<std::string>());
  CHECK(p->external_action["icon"] == kPublic + yml["externalAction"]["icon"].get<std::string>());
  CHECK(p->external_action["title"] == yml["externalAction"]["title"]);
  CHECK(p->external_action["description"] == yml["externalAction"]["description"]);
  CHECK(p->external_action["color"] == yml["externalAction"]["color"]);
  CHECK(p->external_action["openExternally"] == yml["externalAction"]["openExternally"]);
  CHECK(p->token_name == "Tips");
  CHECK(p->existing_token.empty());

  CHECK(oc::plan_from_plugin_yml("tips.example.org", kHookToken).error().code == "invalid_url");
  CHECK_FALSE(oc::plan_from_plugin_yml(kPublic, "bad/token").ok());
  CHECK_FALSE(oc::plan_from_plugin_yml(kPublic, "").ok());
}

TEST_CASE("owncast: connect on a fresh Owncast creates the webhook and the token and appends the action") {
  FakeOwncast fake;
  int other = fake.add_webhook("https://bots.example/owncast", {"CHAT"});
  fake.set_external_actions(json::array({kKofi, kRules}));
  auto pl = plan();

  auto r = oc::connect(fake.url(), fake.admin_password(), pl);
  REQUIRE(r.ok());
  CHECK(r->version == "0.2.5");

  // Webhook: exactly plugin.yml's events, once; the operator's webhook untouched.
  auto ours = hooks_with_url(fake, pl.webhook_url);
  REQUIRE(ours.size() == 1);
  CHECK(ours[0].id == r->webhook_id);
  CHECK(ours[0].id != other);
  CHECK(ours[0].events == yml_strings(plugin_yml()["webhook"]["events"]));
  CHECK(r->webhook_created);
  CHECK(r->webhooks_removed == 0);
  CHECK(hooks_with_url(fake, "https://bots.example/owncast").size() == 1);

  // Token: created with plugin.yml's scopes and the bot name; the report holds it.
  REQUIRE(fake.tokens().size() == 1);
  auto token = fake.tokens()[0];
  CHECK(r->token_created);
  CHECK(r->access_token == token.token);
  CHECK(token.token.size() == 44);
  CHECK(token.name == "Tips");
  CHECK(r->token_name == "Tips");
  CHECK(as_set(token.scopes) == as_set(yml_strings(plugin_yml()["accessToken"]["scopes"])));
  auto probed = oc::probe(fake.url(), r->access_token);
  REQUIRE(probed.ok());
  for (const auto& s : kAllScopes) CHECK(probed->scopes.at(s));

  // External action appended after the operator's, which are kept as they were.
  json actions = fake.external_actions();
  REQUIRE(actions.size() == 3);
  CHECK(actions[0] == kKofi);
  CHECK(actions[1] == kRules);
  CHECK(actions[2]["url"] == pl.external_action["url"]);
  CHECK(actions[2]["title"] == pl.external_action["title"]);
  CHECK(actions[2]["icon"] == kPublic + "/plugins/wm/ui/icon.svg");
  CHECK(r->action_created);
  CHECK_FALSE(r->action_updated);

  // Every admin call used Basic auth with the admin password; nothing went to chat.
  const std::string basic = "Basic " + wm::crypto::base64("admin:" + fake.admin_password());
  size_t admin_calls = 0;
  for (const auto& c : fake.calls())
    if (c.path.rfind("/api/admin/", 0) == 0) {
      ++admin_calls;
      CHECK(c.authorization == basic);
    }
  CHECK(admin_calls == 6);  // 3 reads, webhook create, actions save, token create
  CHECK(fake.messages().empty());
}

TEST_CASE("owncast: connecting twice reuses the webhook and the token and leaves the action alone") {
  FakeOwncast fake;
  fake.set_external_actions(json::array({kKofi}));
  auto pl = plan();
  auto first = oc::connect(fake.url(), fake.admin_password(), pl);
  REQUIRE(first.ok());
  int changes = fake.changes();
  auto tokens = fake.tokens();
  auto actions = fake.external_actions();

  pl.existing_token = first->access_token;
  auto again = oc::connect(fake.url(), fake.admin_password(), pl);
  REQUIRE(again.ok());
  CHECK_FALSE(again->webhook_created);
  CHECK(again->webhook_id == first->webhook_id);
  CHECK(again->webhooks_removed == 0);
  CHECK_FALSE(again->token_created);
  CHECK(again->access_token == first->access_token);
  CHECK(again->token_name == "Tips");
  CHECK_FALSE(again->action_created);
  CHECK_FALSE(again->action_updated);
  CHECK(fake.changes() == changes);  // nothing written at all
  CHECK(fake.webhooks().size() == 1);
  CHECK(fake.tokens().size() == tokens.size());
  CHECK(fake.external_actions() == actions);

  SECTION("a changed action replaces ours in place, not appended") {
    pl.external_action["color"] = "#000000";
    pl.external_action["description"] = "Tip with Open Payments";
    auto third = oc::connect(fake.url(), fake.admin_password(), pl);
    REQUIRE(third.ok());
    CHECK_FALSE(third->action_created);
    CHECK(third->action_updated);
    json now = fake.external_actions();
    REQUIRE(now.size() == 2);
    CHECK(now[0] == kKofi);
    CHECK(now[1]["color"] == "#000000");
    CHECK(now[1]["description"] == "Tip with Open Payments");
    CHECK(fake.webhooks().size() == 1);
    CHECK(fake.tokens().size() == 1);
  }
  SECTION("without the saved token a new one is created (the old one is left to the operator)") {
    pl.existing_token.clear();
    auto third = oc::connect(fake.url(), fake.admin_password(), pl);
    REQUIRE(third.ok());
    CHECK(third->token_created);
    CHECK(third->access_token != first->access_token);
    CHECK(fake.tokens().size() == 2);
  }
}

TEST_CASE("owncast: older webhooks and actions of ours are replaced, a token without every scope is not reused") {
  FakeOwncast fake;
  auto pl = plan("newtoken-BBBBBBBBBBBBBBBBBBBBBBBB");
  std::string rotated = pl.webhook_url_prefix + "oldtoken-AAAAAAAAAAAAAAAAAAAAAAA";
  int old_id = fake.add_webhook(rotated, pl.events);
  int dup_id = fake.add_webhook(pl.webhook_url, {"CHAT", "USER_JOINED"});  // ours, but not every event
  int foreign = fake.add_webhook("https://other.example/webhooks/owncast/x", {"CHAT"});
  json old_action = {{"url", kPublic + "/plugins/wm/widget/tip-panel"}, {"title", "Old tip"},
                     {"description", ""}, {"icon", ""}, {"color", "#111111"}, {"openExternally", false}};
  fake.set_external_actions(json::array({old_action, kKofi, old_action, kRules}));
  pl.existing_token = fake.add_token("Tips", {"HAS_ADMIN_ACCESS"});

  auto r = oc::connect(fake.url(), fake.admin_password(), pl);
  REQUIRE(r.ok());
  CHECK(r->webhook_created);
  CHECK(r->webhooks_removed == 2);
  auto hooks = fake.webhooks();
  REQUIRE(hooks.size() == 2);
  std::set<int> ids;
  for (const auto& h : hooks) ids.insert(h.id);
  CHECK(ids.count(foreign));
  CHECK(ids.count(r->webhook_id));
  CHECK_FALSE(ids.count(old_id));
  CHECK_FALSE(ids.count(dup_id));
  CHECK(r->webhook_id > dup_id);
  CHECK(hooks_with_url(fake, pl.webhook_url).at(0).events == pl.events);
  // The new webhook exists before the old ones go: Owncast never has none of ours.
  auto calls = fake.calls();
  auto pos = [&](const std::string& path) {
    return std::find_if(calls.begin(), calls.end(), [&](const auto& c) { return c.path == path; }) - calls.begin();
  };
  CHECK(pos("/api/admin/webhooks/create") < pos("/api/admin/webhooks/delete"));

  json actions = fake.external_actions();
  REQUIRE(actions.size() == 3);
  CHECK(actions[0]["url"] == pl.external_action["url"]);  // in the old one's place
  CHECK(actions[0]["title"] == pl.external_action["title"]);
  CHECK(actions[1] == kKofi);
  CHECK(actions[2] == kRules);
  CHECK(r->action_updated);
  CHECK_FALSE(r->action_created);

  CHECK(r->token_created);
  CHECK(r->access_token != pl.existing_token);
  CHECK(fake.tokens().size() == 2);
}

TEST_CASE("owncast: a wrong admin password is owncast_unauthorized and changes nothing") {
  FakeOwncast fake;
  fake.set_external_actions(json::array({kKofi}));
  const std::string wrong = "not-the-password-42";
  auto r = oc::connect(fake.url(), wrong, plan());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "owncast_unauthorized");
  CHECK(r.error().message.find(wrong) == std::string::npos);
  CHECK(fake.changes() == 0);
  CHECK(posts(fake) == 0);
  CHECK(fake.webhooks().empty());
  CHECK(fake.tokens().empty());
  CHECK(fake.external_actions() == json::array({kKofi}));
}

TEST_CASE("owncast: Owncast's failures, HTTP 200 {\"error\"} included, stop connect with Owncast's message") {
  FakeOwncast fake;
  fake.set_external_actions(json::array({kKofi}));
  auto pl = plan();

  SECTION("webhook creation answered 200 {error}: no action saved, no token created") {
    fake.script("POST", "/api/admin/webhooks/create", {200, "{\"error\":\"database is locked\"}\n"});
    auto r = oc::connect(fake.url(), fake.admin_password(), pl);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "owncast_error");
    CHECK(r.error().message.find("database is locked") != std::string::npos);
    CHECK(fake.webhooks().empty());
    CHECK(fake.tokens().empty());
    CHECK(fake.external_actions() == json::array({kKofi}));
    CHECK(fake.calls("POST", "/api/admin/config/externalactions").empty());
    CHECK(fake.calls("POST", "/api/admin/accesstokens/create").empty());
  }
  SECTION("saving the actions answered {success:false}: no token created") {
    fake.script("POST", "/api/admin/config/externalactions",
                {400, R"({"success":false,"message":"unable to update external actions with provided values"})"});
    auto r = oc::connect(fake.url(), fake.admin_password(), pl);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "owncast_error");
    CHECK(r.error().message.find("unable to update external actions") != std::string::npos);
    CHECK(fake.tokens().empty());
    SECTION("a retry completes it without a second webhook") {
      auto again = oc::connect(fake.url(), fake.admin_password(), pl);
      REQUIRE(again.ok());
      CHECK_FALSE(again->webhook_created);
      CHECK(again->action_created);
      CHECK(fake.webhooks().size() == 1);
      CHECK(fake.tokens().size() == 1);
    }
  }
  SECTION("token creation answered 200 {error}") {
    fake.script("POST", "/api/admin/accesstokens/create", {200, R"({"error":"token store unavailable"})"});
    auto r = oc::connect(fake.url(), fake.admin_password(), pl);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "owncast_error");
    CHECK(r.error().message.find("token store unavailable") != std::string::npos);
  }
  SECTION("a read failing stops before any change") {
    fake.script("GET", "/api/admin/serverconfig", {500, "internal error\n", "text/plain"});
    auto r = oc::connect(fake.url(), fake.admin_password(), pl);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "owncast_error");
    CHECK(r.error().message.find("internal error") != std::string::npos);
    CHECK(posts(fake) == 0);
  }
  SECTION("an unknown event name is refused by Owncast") {
    pl.events.push_back("NOT_AN_EVENT");
    auto r = oc::connect(fake.url(), fake.admin_password(), pl);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "owncast_error");
    CHECK(r.error().message.find("invalid event type") != std::string::npos);
    CHECK(fake.webhooks().empty());
  }
}

TEST_CASE("owncast: connect reports an unreachable Owncast and a bad URL") {
  std::string gone;
  {
    FakeOwncast fake;
    gone = fake.url();
  }
  auto r = oc::connect(gone, "pw", plan(), 2);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "owncast_unreachable");
  CHECK(r.error().message.find("pw") == std::string::npos);
  auto b = oc::connect("owncast.local:8080", "pw", plan());
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().code == "invalid_url");
}
