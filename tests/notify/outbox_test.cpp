// Posting announcements to a fake Owncast and the persisted outbox that retries them.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/metrics.h"
#include "notify/announce.h"
#include "notify/outbox.h"
#include "store/store.h"
#include "support/test_support.h"

using json = nlohmann::json;
using namespace std::chrono_literals;
using wm::notify::ChatPoster;
using wm::notify::Delivery;
using wm::notify::DeliveryOutcome;
using wm::notify::Outbox;
using wm::notify::OutboxOptions;

namespace {

const std::string kToken = "test-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

std::string fixture(const std::string& name) { return wm::test::read_file(wm::test::fixture_dir() + "/api/" + name); }

// Serves POST /api/integrations/chat/system like Owncast: answers from a script of responses
// (then success), recording every request's body and Authorization header.
struct FakeOwncast {
  struct Reply {
    int status;
    std::string body;
    std::string type = "application/json";
  };
  struct Seen {
    std::string body, auth, content_type;
  };
  httplib::Server svr;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::deque<Reply> script;
  std::vector<Seen> seen;

  explicit FakeOwncast(std::deque<Reply> replies = {}) : script(std::move(replies)) {
    svr.Post("/api/integrations/chat/system", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back({req.body, req.get_header_value("Authorization"), req.get_header_value("Content-Type")});
      Reply r{200, fixture("simple-success.response.json")};
      if (!script.empty()) {
        r = script.front();
        script.pop_front();
      }
      res.status = r.status;
      res.set_content(r.body, r.type);
    });
    port = svr.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { svr.listen_after_bind(); });
  }
  ~FakeOwncast() {
    svr.stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return seen.size();
  }
  std::vector<Seen> requests() {
    std::lock_guard<std::mutex> lock(mu);
    return seen;
  }
  // Bodies of the messages Owncast accepted (a request answered with the default success).
  std::vector<std::string> texts() {
    std::vector<std::string> out;
    for (const auto& s : requests()) out.push_back(json::parse(s.body)["body"].get<std::string>());
    return out;
  }
};

FakeOwncast::Reply error_200() { return {200, fixture("error.response.json")}; }
FakeOwncast::Reply server_error() { return {500, "internal error\n", "text/plain"}; }
FakeOwncast::Reply unauthorized() { return {401, fixture("unauthorized.response.txt"), "text/plain"}; }

template <typename F>
bool eventually(F&& f) {
  for (int i = 0; i < 1000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

std::unique_ptr<wm::store::Store> open_store(const wm::test::TempDir& dir) {
  wm::store::Options o;
  o.dir = dir.path() + "/data";
  auto s = wm::store::Store::open(o);
  REQUIRE(s.ok());
  return std::move(s.value());
}

OutboxOptions fast() {
  OutboxOptions o;
  o.initial_backoff = 5ms;
  o.max_backoff = 40ms;
  return o;
}

wm::notify::Sender poster_for(const std::string& url) {
  auto poster = std::make_shared<ChatPoster>(wm::owncast::ApiClient(url, kToken, 5));
  return [poster](const std::string& text) { return poster->post_system_message(text); };
}

size_t outbox_rows(wm::store::Store& store) {
  size_t n = 0;
  REQUIRE(wm::notify::scan_outbox(store, [&](auto, auto) {
    ++n;
    return true;
  }));
  return n;
}

}  // namespace

// ---- ChatPoster: one request and how its answer is classified ----

TEST_CASE("notify: poster sends the system message with the bearer token and counts 200 success as sent") {
  FakeOwncast owncast;
  ChatPoster poster(wm::owncast::ApiClient(owncast.url(), kToken));
  auto out = poster.post_system_message("🎉 quiet-otter tipped 5.00 USD");
  CHECK(out.kind == Delivery::sent);
  auto reqs = owncast.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].auth == "Bearer " + kToken);
  CHECK(reqs[0].content_type == "application/json");
  CHECK(json::parse(reqs[0].body) == json{{"body", "🎉 quiet-otter tipped 5.00 USD"}});
}

TEST_CASE("notify: poster treats HTTP 200 with an error body as retryable") {
  FakeOwncast owncast({error_200()});
  ChatPoster poster(wm::owncast::ApiClient(owncast.url(), kToken));
  auto out = poster.post_system_message("x");
  CHECK(out.kind == Delivery::retry);
  CHECK(out.reason.find("invalid message") != std::string::npos);
}

TEST_CASE("notify: poster treats HTTP 200 with success false as retryable") {
  FakeOwncast owncast({{200, fixture("simple-failure.response.json")}});
  ChatPoster poster(wm::owncast::ApiClient(owncast.url(), kToken));
  CHECK(poster.post_system_message("x").kind == Delivery::retry);
}

TEST_CASE("notify: poster treats 401 as permanent and names the missing scope without the token") {
  FakeOwncast owncast({unauthorized()});
  ChatPoster poster(wm::owncast::ApiClient(owncast.url(), kToken));
  auto out = poster.post_system_message("x");
  CHECK(out.kind == Delivery::permanent);
  CHECK(out.reason.find("CAN_SEND_SYSTEM_MESSAGES") != std::string::npos);
  CHECK(out.reason.find(kToken) == std::string::npos);
}

TEST_CASE("notify: poster treats 403 and other 4xx as permanent") {
  FakeOwncast owncast({{403, "forbidden", "text/plain"}, {400, fixture("simple-failure.response.json")}});
  ChatPoster poster(wm::owncast::ApiClient(owncast.url(), kToken));
  CHECK(poster.post_system_message("x").kind == Delivery::permanent);
  auto bad = poster.post_system_message("x");
  CHECK(bad.kind == Delivery::permanent);
  CHECK(bad.reason.find("missing required fields") != std::string::npos);
}

TEST_CASE("notify: poster treats 5xx as retryable") {
  FakeOwncast owncast({server_error(), {503, "", "text/plain"}});
  ChatPoster poster(wm::owncast::ApiClient(owncast.url(), kToken));
  CHECK(poster.post_system_message("x").kind == Delivery::retry);
  CHECK(poster.post_system_message("x").kind == Delivery::retry);
}

TEST_CASE("notify: poster treats an unreachable Owncast as retryable") {
  int port = 0;
  {
    httplib::Server probe;  // a port that was free a moment ago and has nobody listening now
    port = probe.bind_to_any_port("127.0.0.1");
  }
  ChatPoster poster(wm::owncast::ApiClient("http://127.0.0.1:" + std::to_string(port), kToken, 2));
  auto out = poster.post_system_message("x");
  CHECK(out.kind == Delivery::retry);
  CHECK(out.reason.find(kToken) == std::string::npos);
}

// ---- Outbox ----

TEST_CASE("notify: outbox delivers an enqueued message") {
  FakeOwncast owncast;
  wm::test::TempDir dir;
  auto store = open_store(dir);
  Outbox outbox(*store, poster_for(owncast.url()), fast());
  outbox.start();
  REQUIRE(outbox.enqueue("hello chat").ok());
  REQUIRE(eventually([&] { return outbox.sent() == 1 && outbox.pending() == 0; }));
  CHECK(owncast.texts() == std::vector<std::string>{"hello chat"});
  CHECK(owncast.requests()[0].auth == "Bearer " + kToken);
  CHECK(outbox_rows(*store) == 0);
}

TEST_CASE("notify: outbox retries a 200-with-error answer until Owncast accepts") {
  FakeOwncast owncast({error_200(), error_200()});
  wm::test::TempDir dir;
  auto store = open_store(dir);
  Outbox outbox(*store, poster_for(owncast.url()), fast());
  outbox.start();
  REQUIRE(outbox.enqueue("retry me").ok());
  REQUIRE(eventually([&] { return outbox.sent() == 1; }));
  CHECK(owncast.count() == 3);
  CHECK(outbox.failed() == 0);
  CHECK(outbox.pending() == 0);
}

TEST_CASE("notify: outbox retries after a 500") {
  FakeOwncast owncast({server_error()});
  wm::test::TempDir dir;
  auto store = open_store(dir);
  Outbox outbox(*store, poster_for(owncast.url()), fast());
  outbox.start();
  REQUIRE(outbox.enqueue("after 500").ok());
  REQUIRE(eventually([&] { return outbox.sent() == 1; }));
  CHECK(owncast.texts() == std::vector<std::string>{"after 500", "after 500"});
  CHECK(outbox.pending() == 0);
}

TEST_CASE("notify: outbox drops a message Owncast refuses with 401 and carries on") {
  FakeOwncast owncast({unauthorized()});
  wm::test::TempDir dir;
  auto store = open_store(dir);
  Outbox outbox(*store, poster_for(owncast.url()), fast());
  outbox.start();
  REQUIRE(outbox.enqueue("refused").ok());
  REQUIRE(eventually([&] { return outbox.failed() == 1; }));
  CHECK(outbox.sent() == 0);
  CHECK(outbox.pending() == 0);
  CHECK(outbox_rows(*store) == 0);
  REQUIRE(outbox.enqueue("next").ok());  // the queue is not stuck behind it
  REQUIRE(eventually([&] { return outbox.sent() == 1; }));
  CHECK(owncast.texts() == std::vector<std::string>{"refused", "next"});  // refused tried once
}

TEST_CASE("notify: outbox keeps pending messages across a restart while Owncast is down") {
  wm::test::TempDir dir;
  std::atomic<int> attempts{0};
  {
    auto store = open_store(dir);
    auto down = poster_for("http://127.0.0.1:1");  // nothing listens on port 1
    Outbox outbox(*store, [&](const std::string& t) {
      ++attempts;
      return down(t);
    }, fast());
    outbox.start();
    REQUIRE(outbox.enqueue("one").ok());
    REQUIRE(outbox.enqueue("two").ok());
    REQUIRE(outbox.enqueue("three").ok());
    REQUIRE(eventually([&] { return attempts.load() >= 2; }));
    CHECK(outbox.pending() == 3);
    outbox.stop();
  }
  FakeOwncast owncast;
  auto store = open_store(dir);
  CHECK(outbox_rows(*store) == 3);
  Outbox outbox(*store, poster_for(owncast.url()), fast());
  CHECK(outbox.pending() == 3);
  outbox.start();
  REQUIRE(eventually([&] { return outbox.sent() == 3 && outbox.pending() == 0; }));
  CHECK(owncast.texts() == std::vector<std::string>{"one", "two", "three"});
  CHECK(outbox_rows(*store) == 0);
  // Messages enqueued after the restart still sort after the old ones.
  REQUIRE(outbox.enqueue("four").ok());
  REQUIRE(eventually([&] { return outbox.sent() == 4; }));
  CHECK(owncast.texts().back() == "four");
}

TEST_CASE("notify: outbox preserves order through failures") {
  FakeOwncast owncast({server_error(), error_200(), server_error(), unauthorized(), error_200()});
  wm::test::TempDir dir;
  auto store = open_store(dir);
  Outbox outbox(*store, poster_for(owncast.url()), fast());
  outbox.start();
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    expected.push_back("message " + std::to_string(i));
    REQUIRE(outbox.enqueue(expected.back()).ok());
  }
  REQUIRE(eventually([&] { return outbox.pending() == 0; }));
  CHECK(outbox.sent() == 19);
  CHECK(outbox.failed() == 1);  // the one refused with 401
  auto seen = owncast.texts();
  // Each message is attempted until settled before the next one is tried.
  std::vector<std::string> distinct;
  for (const auto& t : seen)
    if (distinct.empty() || distinct.back() != t) distinct.push_back(t);
  CHECK(distinct == expected);
}

TEST_CASE("notify: outbox enqueue returns while a delivery is in flight") {
  wm::test::TempDir dir;
  auto store = open_store(dir);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> calls{0};
  Outbox outbox(*store, [&](const std::string&) {
    ++calls;
    released.wait();
    return DeliveryOutcome{Delivery::sent, "sent"};
  }, fast());
  outbox.start();
  REQUIRE(outbox.enqueue("first").ok());
  REQUIRE(eventually([&] { return calls.load() == 1; }));
  // The sender is blocked; enqueue still commits and returns.
  REQUIRE(outbox.enqueue("second").ok());
  CHECK(outbox.pending() == 2);
  CHECK(outbox_rows(*store) == 2);
  release.set_value();
  REQUIRE(eventually([&] { return outbox.sent() == 2; }));
}

TEST_CASE("notify: outbox stop returns promptly while waiting out a long backoff") {
  wm::test::TempDir dir;
  auto store = open_store(dir);
  OutboxOptions o;
  o.initial_backoff = std::chrono::hours(1);
  o.max_backoff = std::chrono::hours(1);
  std::atomic<int> calls{0};
  Outbox outbox(*store, [&](const std::string&) {
    ++calls;
    return DeliveryOutcome{Delivery::retry, "down"};
  }, o);
  outbox.start();
  REQUIRE(outbox.enqueue("stuck").ok());
  REQUIRE(eventually([&] { return calls.load() == 1; }));
  auto t0 = std::chrono::steady_clock::now();
  outbox.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  CHECK(calls.load() == 1);
  CHECK(outbox.pending() == 1);
}

TEST_CASE("notify: outbox drops a message still failing after max_age") {
  wm::test::TempDir dir;
  auto store = open_store(dir);
  OutboxOptions o = fast();
  o.max_age = 1ms;
  Outbox outbox(*store, [](const std::string&) { return DeliveryOutcome{Delivery::retry, "down"}; }, o);
  outbox.start();
  REQUIRE(outbox.enqueue("stale").ok());
  REQUIRE(eventually([&] { return outbox.failed() == 1; }));
  CHECK(outbox.pending() == 0);
}

TEST_CASE("notify: outbox exposes sent, failed and pending metrics") {
  FakeOwncast owncast({unauthorized()});
  wm::test::TempDir dir;
  auto store = open_store(dir);
  wm::Metrics metrics;
  OutboxOptions o = fast();
  o.metrics = &metrics;
  {
    Outbox outbox(*store, poster_for(owncast.url()), o);
    REQUIRE(outbox.enqueue("a").ok());
    REQUIRE(outbox.enqueue("b").ok());
    CHECK(metrics.render().find("announcements_pending 2") != std::string::npos);
    outbox.start();
    REQUIRE(eventually([&] { return outbox.pending() == 0; }));
  }
  std::string text = metrics.render();  // still safe to scrape after the outbox is gone
  INFO(text);
  CHECK(text.find("announcements_sent_total 1") != std::string::npos);
  CHECK(text.find("announcements_failed_total 1") != std::string::npos);
  CHECK(text.find("announcements_pending 0") != std::string::npos);
}

TEST_CASE("notify: announce_tip renders the template and delivers the escaped text") {
  FakeOwncast owncast;
  wm::test::TempDir dir;
  auto store = open_store(dir);
  Outbox outbox(*store, poster_for(owncast.url()), fast());
  outbox.start();
  wm::notify::Vars v;
  v.name = "<b>Eve</b>";
  v.amount = "5.00 EUR";
  v.message = "![i](http://evil/x.png)";
  REQUIRE(wm::notify::announce_tip(outbox, wm::notify::kDefaultTemplate, v).ok());
  CHECK_FALSE(wm::notify::announce_tip(outbox, "{nope}", v).ok());  // nothing enqueued
  REQUIRE(eventually([&] { return outbox.sent() == 1 && outbox.pending() == 0; }));
  CHECK(owncast.texts() == std::vector<std::string>{
                               "🎉 &lt;b&gt;Eve&lt;/b&gt; tipped 5.00 EUR — "
                               "&#33;&#91;i&#93;&#40;http&#58;//evil/x&#46;png&#41;"});
}

TEST_CASE("notify: a message hidden while its announcement waits goes out without it") {
  // Owncast answers 500 twice: meanwhile the streamer hides tip T's message.
  FakeOwncast owncast({server_error(), server_error()});
  wm::test::TempDir dir;
  auto store = open_store(dir);
  std::mutex m;
  std::set<std::string> hidden;
  auto o = fast();
  o.initial_backoff = 50ms;
  o.hidden = [&](std::string_view id) {
    std::lock_guard<std::mutex> l(m);
    return hidden.count(std::string(id)) > 0;
  };
  Outbox outbox(*store, poster_for(owncast.url()), o);
  REQUIRE(outbox.enqueue("Nova tipped 5.00 EUR: you are rude", nullptr, {"T", "Nova tipped 5.00 EUR"}).ok());
  REQUIRE(outbox.enqueue("Ada tipped 1.00 EUR: hello", nullptr, {"U", "Ada tipped 1.00 EUR"}).ok());
  REQUIRE(outbox.enqueue("a plain message").ok());  // no tip: sent as it is
  outbox.start();
  REQUIRE(eventually([&] { return owncast.count() >= 1; }));  // T tried once, refused
  {
    std::lock_guard<std::mutex> l(m);
    hidden.insert("T");
  }
  REQUIRE(eventually([&] { return outbox.sent() == 3; }));
  const auto texts = owncast.texts();
  REQUIRE(texts.size() == 5);
  // Requests: T refused twice (the first before it was hidden), T accepted, then U and the plain one.
  CHECK(texts[0] == "Nova tipped 5.00 EUR: you are rude");
  CHECK(texts[2] == "Nova tipped 5.00 EUR");  // what Owncast accepted: without the hidden message
  CHECK(texts[3] == "Ada tipped 1.00 EUR: hello");  // U's message was not hidden
  CHECK(texts[4] == "a plain message");
  CHECK(outbox.redacted() == 1);
  CHECK(outbox.failed() == 0);
}

TEST_CASE("notify: an outbox row written before tip ids were kept is still delivered") {
  FakeOwncast owncast;
  wm::test::TempDir dir;
  auto store = open_store(dir);
  const json old{{"body", "from an older version"}, {"enqueuedAt", 1}};
  REQUIRE(store->update([&](wm::store::WriteTxn& w) {
    return w.put(store->table(wm::notify::kOutboxTable), std::string(wm::notify::kOutboxPrefix) + "0000000000000001", old.dump());
  }));
  auto o = fast();
  o.hidden = [](std::string_view) { return true; };
  o.max_age = 0ms;
  Outbox outbox(*store, poster_for(owncast.url()), o);
  outbox.start();
  REQUIRE(eventually([&] { return outbox.sent() == 1; }));
  CHECK(owncast.texts() == std::vector<std::string>{"from an older version"});
  CHECK(outbox.redacted() == 0);
}
