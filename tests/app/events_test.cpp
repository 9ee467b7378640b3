// The event bus at work in the app: tips and Owncast webhooks reach subscribers as typed events
// after their commit, and a completed tip gives exactly one announcement and one support event,
// also when the process is killed with SIGKILL around the publish and restarted.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "analytics/summary.h"
#include "app/app.h"
#include "core/timeutil.h"
#include "events/events.h"
#include "notify/outbox.h"
#include "openpayments/keys.h"
#include "store/store.h"
#include "support/app_harness.h"
#include "support/fake_owncast.h"
#include "support/process.h"
#include "support/sandbox.h"
#include "support/test_support.h"

using json = nlohmann::json;
using namespace wm;
using events::Type;

namespace {

struct Seen {
  std::mutex m;
  std::vector<events::Event> all;
  events::Subscription subscription(const std::string& name) {
    return {name, events::Delivery::durable, 1024, {}, [this](const events::Event& e) {
              std::lock_guard<std::mutex> l(m);
              all.push_back(e);
            }};
  }
  std::vector<events::Event> of(Type t) {
    std::lock_guard<std::mutex> l(m);
    std::vector<events::Event> out;
    for (const auto& e : all)
      if (e.type == t) out.push_back(e);
    return out;
  }
  std::vector<events::Event> wait(Type t, size_t n, int seconds = 10) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    auto v = of(t);
    while (v.size() < n && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      v = of(t);
    }
    return v;
  }
};

std::string fixture(const std::string& name) { return test::read_file(test::fixture_dir() + "/" + name); }

httplib::Client client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(15, 0);
  c.set_keep_alive(false);
  return c;
}

// Creates a tip of 2.50 EUR from `wallet`, decides it in the wallet and follows the redirect.
std::string decided_tip(httplib::Client& c, test::Sandbox& sb, const std::string& wallet, const std::string& decision) {
  const json body{{"senderWalletAddress", sb.wallet(wallet)},
                  {"amount", {{"value", "250"}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                  {"displayName", "Alice"},
                  {"message", "events"}};
  auto r = c.Post("/plugins/wm/tips", body.dump(), "application/json");
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 201);
  const std::string id = json::parse(r->body)["id"];
  const std::string redirect = sb.decide_latest(decision);
  (void)c.Get(redirect.substr(redirect.find("/plugins/wm/tips/")).c_str());  // may die inside (crash tests)
  return id;
}

json poll_final(httplib::Client& c, const std::string& id) {
  json s;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    auto g = c.Get(("/plugins/wm/tips/" + id).c_str());
    if (g && g->status == 200) {
      s = json::parse(g->body);
      if (s["status"] != "awaiting_consent" && s["status"] != "processing") break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return s;
}

}  // namespace

TEST_CASE("app events: follow and stream webhooks reach a subscriber as typed events") {
  test::TempDir dir;
  test::RunningApp app(dir.file("data"), {"--webhook-ack", "durable"});
  Seen seen;
  REQUIRE(app.app().bus().subscribe(seen.subscription("test")));
  auto c = app.client();
  for (const char* f : {"stream-started.json", "user-joined.json", "fediverse-engagement-follow.json",
                        "user-parted.json", "stream-stopped.json"}) {
    auto r = c.Post(app.webhook_path().c_str(), fixture(f), "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  auto follows = seen.wait(Type::follow_received, 1);
  REQUIRE(follows.size() == 1);
  CHECK(follows[0].follow()->name == "Dana 🦣");
  CHECK(follows[0].follow()->account == "@dana@mastodon.example");
  auto started = seen.wait(Type::stream_started, 1);
  REQUIRE(started.size() == 1);
  CHECK(started[0].stream()->session_id == "Wt0kptnVR");
  CHECK(started[0].stream()->title == "Friday synth jam 🎹");
  auto stopped = seen.wait(Type::stream_stopped, 1);
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0].stream()->session_id == "Wt0kptnVR");
  REQUIRE(seen.wait(Type::viewer_joined, 1).size() == 1);
  REQUIRE(seen.wait(Type::viewer_left, 1).size() == 1);
  CHECK(seen.of(Type::viewer_joined)[0].viewer()->user_id == "z8Nq2_WkR");
  // In commit order.
  CHECK(started[0].seq < follows[0].seq);
  CHECK(follows[0].seq < stopped[0].seq);
}

TEST_CASE("app events: completed, denied and failed tips are published once each", "[tip][sandbox]") {
  test::Sandbox sb{{"--wait", "0"}};
  test::FakeOwncast owncast;
  test::TempDir dir;
  auto k = openpayments::PrivateKey::generate();
  REQUIRE(k);
  REQUIRE(k->write_pem_file(dir.file("key.pem")));
  sb.register_key("streamer", k->public_jwk("app-key"));
  const std::string token = owncast.add_token("tips", {"CAN_SEND_SYSTEM_MESSAGES"});
  test::RunningApp app(dir.file("data"), {"--wallet-address", sb.wallet("streamer"), "--key-id", "app-key",
                                          "--key-file", dir.file("key.pem"), "--op-dev-hosts", sb.dev_host(),
                                          "--owncast-url", owncast.url(), "--owncast-token", token,
                                          "--owncast-reconcile", "0", "--admin-password", "correct horse battery"});
  Seen seen;
  REQUIRE(app.app().bus().subscribe(seen.subscription("test")));
  auto c = app.client();

  const std::string ok = decided_tip(c, sb, "alice", "accept");
  REQUIRE(poll_final(c, ok)["status"] == "completed");
  auto done = seen.wait(Type::tip_completed, 1);
  REQUIRE(done.size() == 1);
  const events::Tip* t = done[0].tip();
  CHECK(t->tip_id == ok);
  CHECK(t->amount.units == 250);
  CHECK(t->amount.asset_code == "EUR");
  CHECK(t->display_name == "Alice");
  CHECK(t->message == "events");
  CHECK(t->widget_stream == "default");
  CHECK(t->sender_hash.size() == 64);
  CHECK(t->sender_hash.find("alice") == std::string::npos);
  CHECK(events::to_json(done[0]).dump().find(sb.wallet("alice")) == std::string::npos);  // never the wallet

  const std::string no = decided_tip(c, sb, "alice", "reject");
  REQUIRE(poll_final(c, no)["status"] == "denied");
  auto denied = seen.wait(Type::tip_denied, 1);
  REQUIRE(denied.size() == 1);
  CHECK(denied[0].tip()->tip_id == no);
  CHECK(denied[0].tip()->error_code == "denied");

  const std::string poor = decided_tip(c, sb, "poor", "accept");
  REQUIRE(poll_final(c, poor)["status"] == "failed");
  auto failed = seen.wait(Type::tip_failed, 1);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].tip()->tip_id == poor);
  CHECK_FALSE(failed[0].tip()->error_code.empty());

  // One announcement, one support event: only for the confirmed tip.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (owncast.system_messages().empty() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(app.app().bus().drain(5000));
  CHECK(owncast.system_messages().size() == 1);
  CHECK(seen.of(Type::tip_completed).size() == 1);
  auto s = c.Get("/plugins/wm/analytics/summary?timeframe=last_24h",
                 {{"Authorization", test::basic_auth("correct horse battery")}});
  REQUIRE(s);
  CHECK(json::parse(s->body)["tipCount"] == 1);
}

// The real binary, killed with SIGKILL right before the completion is published ("completed":
// the tip service republishes at restart), right after ("tip_published": the journal holds it,
// the durable subscribers resume from their cursors, and the tip service publishes it again), and
// right after moderation's decision committed ("moderation_decided": tip.cleared must be in the
// journal with it, exactly once; before, a crash there left the tip without alert and
// announcement).
TEST_CASE("app events: kill -9 around the publish, restart: one announcement, one support event",
          "[tip][sandbox][crash]") {
  test::Sandbox sb{{"--wait", "0"}};
  test::TempDir keys;
  auto kg = test::run_binary({"keygen", "--out", keys.file("key.pem"), "--key-id", "crash-key"});
  REQUIRE(kg.code == 0);
  sb.register_key("streamer", json::parse(kg.out));

  for (const char* step : {"completed", "tip_published", "moderation_decided"}) {
    INFO("crash after " << step);
    sb.reset(true);
    test::FakeOwncast owncast;
    const std::string token = owncast.add_token("tips", {"CAN_SEND_SYSTEM_MESSAGES"});
    test::TempDir data;
    const std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:0", "--data-dir", data.path(),
                                           "--wallet-address", sb.wallet("streamer"), "--key-id", "crash-key",
                                           "--key-file", keys.file("key.pem"), "--op-dev-hosts", sb.dev_host(),
                                           "--owncast-url", owncast.url(), "--owncast-token", token,
                                           "--owncast-reconcile", "0", "--access-log", "off"};
    std::string id;
    {
      test::Process p(WM_BINARY, args, {std::string("OWNCAST_WM_TEST_CRASH_AFTER=") + step});
      const int port = p.port();
      INFO(p.err());
      REQUIRE(port > 0);
      auto c = client(port);
      id = decided_tip(c, sb, "alice", "accept");
      auto code = p.wait_exit(60000);
      INFO(p.err());
      REQUIRE(code);
      CHECK(*code == 128 + SIGKILL);
      CHECK(p.err().find("killing the process") != std::string::npos);
    }
    {
      test::Process again(WM_BINARY, args);
      const int port = again.port();
      INFO(again.err());
      REQUIRE(port > 0);
      auto c = client(port);
      CHECK(poll_final(c, id)["status"] == "completed");
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (owncast.system_messages().empty() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      REQUIRE(owncast.system_messages().size() >= 1);
      again.signal(SIGTERM);  // graceful: the bus drains before the store closes
      CHECK(again.wait() == 0);
    }
    // Everything is settled now: count what the store and the fake Owncast hold.
    store::Options so;
    so.dir = data.path();
    auto st = store::Store::open(so);
    REQUIRE(st);
    size_t queued = 0;
    REQUIRE(notify::scan_outbox(**st, [&](std::string_view, std::string_view) {
      ++queued;
      return true;
    }));
    CHECK(owncast.system_messages().size() + queued == 1);
    size_t cleared = 0;
    REQUIRE((*st)->view([&](const store::ReadTxn& txn) -> Status {
      txn.scan((*st)->table("bus_journal"), "", "", false, [&](std::string_view, std::string_view v) {
        auto e = events::from_json(json::parse(v));
        if (e && e->type == events::Type::tip_cleared && e->tip() && e->tip()->tip_id == id) ++cleared;
        return true;
      });
      return ok_status();
    }));
    CHECK(cleared == 1);  // the alert's event: exactly once
    auto sum = analytics::summary(**st, "", "all_time", timeutil::now_ns());
    REQUIRE(sum);
    CHECK((*sum)["tipCount"] == 1);
  }
}

// Owncast is down when a tip completes; the streamer hides the tip's message while its
// announcement waits in the outbox; when Owncast is back the announcement goes out without it.
TEST_CASE("app events: a message hidden while Owncast is down is left out of the queued announcement",
          "[tip][sandbox]") {
  test::Sandbox sb{{"--wait", "0"}};
  test::FakeOwncast owncast;
  test::TempDir dir;
  auto k = openpayments::PrivateKey::generate();
  REQUIRE(k);
  REQUIRE(k->write_pem_file(dir.file("key.pem")));
  sb.register_key("streamer", k->public_jwk("app-key"));
  const std::string token = owncast.add_token("tips", {"CAN_SEND_SYSTEM_MESSAGES"});
  const std::string chat = "/api/integrations/chat/system";
  owncast.script("POST", chat, {503, R"({"error":"down"})"}, 2);  // two attempts fail (~1 s apart)
  const std::string password = "correct horse battery";
  test::RunningApp app(dir.file("data"), {"--wallet-address", sb.wallet("streamer"), "--key-id", "app-key",
                                          "--key-file", dir.file("key.pem"), "--op-dev-hosts", sb.dev_host(),
                                          "--owncast-url", owncast.url(), "--owncast-token", token,
                                          "--owncast-reconcile", "0", "--admin-password", password});
  auto c = app.client();
  const std::string id = decided_tip(c, sb, "alice", "accept");
  REQUIRE(poll_final(c, id)["status"] == "completed");
  auto tried = [&] { return owncast.calls("POST", chat).size(); };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (tried() < 1 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(tried() >= 1);
  REQUIRE(owncast.system_messages().empty());  // refused so far
  auto hide = c.Post(("/plugins/wm/api/tips/" + id + "/hide").c_str(), {{"Authorization", test::basic_auth(password)}},
                     json{{"hidden", true}}.dump(), "application/json");
  REQUIRE(hide);
  REQUIRE(hide->status == 200);
  while (owncast.system_messages().empty() && std::chrono::steady_clock::now() < until + std::chrono::seconds(20))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto sent = owncast.system_messages();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].find("Alice") != std::string::npos);
  CHECK(sent[0].find("events") == std::string::npos);  // the hidden message is not in chat
  CHECK(owncast.calls("POST", chat).front().body.find("events") != std::string::npos);  // it was, before hiding
}
