// The outbox and the delivery workers with a scripted sender and a settable clock (no real
// waiting for the retry schedule): retries with one webhook-id, 410, timeouts, 24 h disabling,
// rotation overlap, restart, redeliver, the bus subscriber.
#include <catch2/catch.hpp>

#include "core/metrics.h"
#include "events/bus.h"
#include "webhooks/helpers.h"
#include "webhooks/signing.h"

using namespace wm;
using test::eventually;
using json = nlohmann::json;

namespace {

struct Rig {
  test::TempDir dir;
  std::unique_ptr<store::Store> store = test::open_store(dir.path());
  std::shared_ptr<test::FakeSender> sender = std::make_shared<test::FakeSender>();
  test::Clock clock;
  std::unique_ptr<webhooks::Webhooks> hooks;

  Rig() { start(); }
  void start() {
    webhooks::Options o;
    o.sender = sender;
    o.clock = clock.fn();
    o.jitter = [](int64_t d) { return d; };
    hooks = std::make_unique<webhooks::Webhooks>(*store, o);
    REQUIRE(hooks->start());
  }
  std::pair<std::string, std::string> add(json body = {}) {
    if (body.is_null()) body = {{"url", "http://127.0.0.1:9/hook"}, {"events", {"tip.completed"}}};
    auto c = hooks->create(body);
    REQUIRE(c);
    return {c->endpoint["id"], c->secret};
  }
  // Moves the clock to the next due attempt and waits until `calls` calls were made.
  bool step_to(size_t calls, int64_t seconds) {
    clock.advance_s(seconds);
    hooks->wake();
    return eventually([&] { return sender->seen().size() >= calls; });
  }
  json log(const std::string& id) { return (*hooks->deliveries(id, 100))["deliveries"]; }
  json endpoint(const std::string& id) {
    const json all = hooks->list();
    for (const auto& e : all["webhooks"])
      if (e["id"] == id) return e;
    return nullptr;
  }
};

}  // namespace

TEST_CASE("webhooks: a 500 is retried on schedule and the 3rd attempt succeeds with the same webhook-id") {
  Rig r;
  auto [id, secret] = r.add();
  r.sender->then(500);
  r.sender->then(500);
  r.sender->then(200);
  r.hooks->on_event(test::tip_event(7, "t7", 1000));
  REQUIRE(eventually([&] { return r.sender->seen().size() == 1; }));
  // Not before the 5 s backoff.
  r.clock.advance_s(4);
  r.hooks->wake();
  REQUIRE(eventually([&] { return r.log(id).size() == 1; }));
  CHECK(r.sender->seen().size() == 1);
  CHECK(r.log(id)[0]["status"] == 500);
  REQUIRE(r.step_to(2, 1));   // 5 s after the first
  REQUIRE(r.step_to(3, 30));  // 30 s after the second
  REQUIRE(eventually([&] { return r.hooks->pending() == 0; }));
  auto calls = r.sender->seen();
  REQUIRE(calls.size() == 3);
  for (const auto& c : calls) {
    CHECK(c.header("webhook-id") == "msg_7");
    CHECK(webhooks::verify(secret, c.header("webhook-id"), c.header("webhook-timestamp"), c.header("webhook-signature"),
                           c.body, 0));
  }
  CHECK(calls[0].body == calls[2].body);
  auto log = r.log(id);
  REQUIRE(log.size() == 3);
  CHECK(log[0]["ok"] == true);  // newest first
  CHECK(log[0]["attempt"] == 3);
  CHECK(log[0]["response"] == "answer 200");
  CHECK(log[2]["status"] == 500);
  CHECK(r.endpoint(id)["failingSince"].is_null());
}

TEST_CASE("webhooks: 410 Gone disables the endpoint at once") {
  Rig r;
  auto [id, secret] = r.add();
  r.sender->then(410);
  r.hooks->on_event(test::tip_event(1, "t1", 100));
  REQUIRE(eventually([&] { return r.endpoint(id)["enabled"] == false; }));
  CHECK(r.endpoint(id)["warning"].get<std::string>().find("410") != std::string::npos);
  CHECK(r.hooks->pending() == 0);
  r.hooks->on_event(test::tip_event(2, "t2", 100));  // a disabled endpoint gets nothing new
  CHECK(r.hooks->pending() == 0);
  auto test = r.hooks->send_test(id);
  REQUIRE_FALSE(test);
  CHECK(test.error().code == "disabled");
  CHECK(r.sender->seen().size() == 1);
}

TEST_CASE("webhooks: a timeout counts as a failed attempt and is retried") {
  Rig r;
  auto [id, secret] = r.add();
  r.sender->then(0, "timeout");
  r.hooks->on_event(test::tip_event(3, "t3", 100));
  REQUIRE(eventually([&] { return r.log(id).size() == 1; }));
  auto entry = r.log(id)[0];
  CHECK(entry["ok"] == false);
  CHECK(entry["error"] == "timeout");
  CHECK(entry.contains("nextAttemptAt"));
  CHECK(r.hooks->pending() == 1);
  CHECK_FALSE(r.endpoint(id)["failingSince"].is_null());
  REQUIRE(r.step_to(2, 5));
  REQUIRE(eventually([&] { return r.hooks->pending() == 0; }));
}

TEST_CASE("webhooks: an endpoint failing for 24 hours is disabled with a warning; a message is given up after 24 h") {
  Rig r;
  auto [id, secret] = r.add();
  r.sender->fallback = {503, "down", 1, ""};
  r.hooks->on_event(test::tip_event(4, "t4", 100));
  size_t calls = 1;
  REQUIRE(eventually([&] { return r.sender->seen().size() == calls; }));
  // 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly: 6 + 23 more attempts reach 24 h.
  for (int64_t s : {5, 30, 120, 600, 1800}) REQUIRE(r.step_to(++calls, s));
  while (r.endpoint(id)["enabled"] == true) {
    REQUIRE(calls < 40);
    REQUIRE(r.step_to(++calls, 3600));
    REQUIRE(eventually([&] { return r.log(id).size() == calls; }));
  }
  CHECK(r.endpoint(id)["warning"].get<std::string>().find("24 hours") != std::string::npos);
  CHECK(r.hooks->pending() == 0);  // given up at the same time
  CHECK(r.log(id)[0]["error"].get<std::string>().find("gave up") != std::string::npos);
  // Enabling again clears the warning.
  auto e = r.hooks->update(id, {{"enabled", true}});
  REQUIRE(e);
  CHECK((*e)["warning"].is_null());
}

TEST_CASE("webhooks: after rotation both secrets sign for 24 h, then only the new one") {
  Rig r;
  auto [id, old_secret] = r.add();
  auto fresh = r.hooks->rotate_secret(id);
  REQUIRE(fresh);
  CHECK(*fresh != old_secret);
  auto sent = r.hooks->send_test(id);
  REQUIRE(sent);
  REQUIRE(eventually([&] { return r.sender->seen().size() == 1; }));
  auto c = r.sender->seen()[0];
  const std::string sig = c.header("webhook-signature");
  CHECK(std::count(sig.begin(), sig.end(), ' ') == 1);
  CHECK(webhooks::verify(old_secret, c.header("webhook-id"), c.header("webhook-timestamp"), sig, c.body, 0));
  CHECK(webhooks::verify(*fresh, c.header("webhook-id"), c.header("webhook-timestamp"), sig, c.body, 0));
  CHECK(json::parse(c.body)["type"] == "test");
  r.clock.advance_s(24 * 3600 + 1);
  REQUIRE(r.hooks->send_test(id));
  REQUIRE(eventually([&] { return r.sender->seen().size() == 2; }));
  c = r.sender->seen()[1];
  CHECK(c.header("webhook-signature").find(' ') == std::string::npos);
  CHECK(webhooks::verify(*fresh, c.header("webhook-id"), c.header("webhook-timestamp"), c.header("webhook-signature"), c.body, 0));
  CHECK_FALSE(webhooks::verify(old_secret, c.header("webhook-id"), c.header("webhook-timestamp"), c.header("webhook-signature"), c.body, 0));
}

TEST_CASE("webhooks: Discord endpoints get the Discord body and no signature headers") {
  Rig r;
  auto [id, secret] = r.add({{"url", "http://127.0.0.1:9/api/webhooks/1/x"}, {"events", {"*"}}, {"kind", "discord"}});
  r.hooks->on_event(test::tip_event(9, "t9", 500, "@everyone look"));
  REQUIRE(eventually([&] { return r.sender->seen().size() == 1; }));
  auto c = r.sender->seen()[0];
  CHECK(c.headers.empty());
  auto b = json::parse(c.body);
  CHECK(b["allowed_mentions"]["parse"] == json::array());
  CHECK(b["content"].get<std::string>().find("5.00 EUR") != std::string::npos);
}

TEST_CASE("webhooks: pending deliveries survive a restart; redeliver sends the same id again") {
  Rig r;
  auto [id, secret] = r.add();
  r.sender->fallback = {0, "", 1, "connection refused"};
  r.hooks->on_event(test::tip_event(11, "t11", 100));
  r.hooks->on_event(test::tip_event(11, "t11", 100));  // the bus may deliver twice: one row
  REQUIRE(eventually([&] { return r.sender->seen().size() == 1; }));
  r.hooks.reset();
  r.sender->fallback = {204, "", 1, ""};
  r.clock.advance_s(5);
  r.start();
  REQUIRE(eventually([&] { return r.sender->seen().size() == 2 && r.hooks->pending() == 0; }));
  CHECK(r.sender->seen()[1].header("webhook-id") == "msg_11");
  REQUIRE(r.hooks->redeliver(id, "msg_11"));
  REQUIRE(eventually([&] { return r.sender->seen().size() == 3; }));
  CHECK(r.sender->seen()[2].header("webhook-id") == "msg_11");
  CHECK_FALSE(r.hooks->redeliver(id, "msg_nope"));
  CHECK(r.log(id).size() == 3);
}

TEST_CASE("webhooks: the durable bus subscriber fills the outbox for matching endpoints only") {
  Rig r;
  auto [tips, s1] = r.add({{"url", "http://127.0.0.1:9/tips"}, {"events", {"tip.completed"}}});
  auto [streams, s2] = r.add({{"url", "http://127.0.0.1:9/streams"}, {"events", {"stream.started"}}});
  Metrics metrics;
  events::Bus bus(*r.store, metrics);
  REQUIRE(bus.subscribe(r.hooks->subscription()));
  REQUIRE(bus.publish(events::Type::tip_completed, test::tip_event(0, "tb", 100).body));
  REQUIRE(bus.publish(events::Type::stream_started, events::Stream{"s1", "Live"}));
  REQUIRE(eventually([&] { return r.sender->seen().size() == 2; }));
  bus.stop();
  std::set<std::string> urls;
  for (const auto& c : r.sender->seen()) urls.insert(c.url + " " + json::parse(c.body)["type"].get<std::string>());
  CHECK(urls == std::set<std::string>{"http://127.0.0.1:9/tips tip.completed", "http://127.0.0.1:9/streams stream.started"});
}

TEST_CASE("webhooks: bad input names the field; a refused target says why") {
  Rig r;
  auto bad = r.hooks->create({{"url", "http://169.254.169.254/"}, {"events", {"tip.completed"}}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "refused_target");
  CHECK(bad.error().field == "url");
  bad = r.hooks->create({{"url", "http://127.0.0.1:9/"}, {"events", {"viewer.joined"}}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "events");
  bad = r.hooks->create({{"url", "http://127.0.0.1:9/"}, {"events", {"tip.completed"}}, {"kind", "slack"}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "kind");
  CHECK(r.hooks->update("wh_missing", {{"enabled", false}}).error().code == "not_found");
}

namespace {
// Holds every send until open(); then answers 500 for the URL marked failing, 200 otherwise.
class GatedSender : public webhooks::Sender {
 public:
  webhooks::SendResult send(const std::string& url, const webhooks::Headers&, const std::string&, int) override {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return opened; });
    order.push_back(url);
    return url == failing ? webhooks::SendResult{500, "down", 1, ""} : webhooks::SendResult{200, "ok", 1, ""};
  }
  void open() {
    std::lock_guard<std::mutex> l(mu);
    opened = true;
    cv.notify_all();
  }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> l(mu);
    return order;
  }
  std::mutex mu;
  std::condition_variable cv;
  bool opened = false;
  std::string failing;
  std::vector<std::string> order;
};
}  // namespace

TEST_CASE("webhooks: a failing endpoint with a backlog does not starve a healthy one (turns go round)") {
  test::TempDir dir;
  auto store = test::open_store(dir.path());
  auto sender = std::make_shared<GatedSender>();
  test::Clock clock;  // frozen: a failed delivery is not due again during the test
  webhooks::Options o;
  o.sender = sender;
  o.clock = clock.fn();
  o.jitter = [](int64_t d) { return d; };
  o.workers = 2;
  webhooks::Webhooks hooks(*store, o);
  REQUIRE(hooks.start());
  std::vector<std::pair<std::string, std::string>> eps;  // id, url
  for (const char* url : {"http://127.0.0.1:9/one", "http://127.0.0.1:9/two"}) {
    auto c = hooks.create({{"url", url}, {"events", {"tip.completed"}}});
    REQUIRE(c);
    eps.emplace_back(c->endpoint["id"], url);
  }
  // The endpoint whose rows come first in the outbox is the failing one (the worst case).
  std::sort(eps.begin(), eps.end());
  sender->failing = eps[0].second;
  const std::string healthy = eps[1].second;
  const int n = 30;
  for (int i = 1; i <= n; ++i) hooks.on_event(test::tip_event(i, "t" + std::to_string(i), 100));
  sender->open();
  REQUIRE(eventually([&] { return sender->seen().size() >= size_t(2 * n); }));
  // Skip the two sends picked while the gate was closed; in the next 20 the healthy endpoint
  // gets about every other turn, not none until the failing backlog is exhausted.
  auto order = sender->seen();
  int healthy_turns = 0;
  for (size_t i = 2; i < 22; ++i) healthy_turns += order[i] == healthy;
  CHECK(healthy_turns >= 6);
}
