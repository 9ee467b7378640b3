// The Owncast service publishes what it committed: webhooks (and reconciles) become typed events
// on a real event bus, once per delivery, after the commit.
#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/timeutil.h"
#include "events/bus.h"
#include "owncast/service.h"
#include "support/test_support.h"

using namespace wm;
using events::Type;

namespace {

std::string fixture(const std::string& name) { return test::read_file(test::fixture_dir() + "/" + name); }

// A user event from a fixture with another delivery id and user id.
std::string user_event(const std::string& file, const std::string& id, const std::string& user) {
  auto j = nlohmann::json::parse(fixture(file));
  j["eventData"]["id"] = id;
  j["eventData"]["user"]["id"] = user;
  return j.dump();
}

struct Seen {
  std::mutex m;
  std::vector<events::Event> all;
  void add(const events::Event& e) {
    std::lock_guard<std::mutex> l(m);
    all.push_back(e);
  }
  std::vector<events::Event> of(Type t) {
    std::lock_guard<std::mutex> l(m);
    std::vector<events::Event> out;
    for (const auto& e : all)
      if (e.type == t) out.push_back(e);
    return out;
  }
  // Polls until `n` events of type t arrived (or 10 s passed).
  std::vector<events::Event> wait(Type t, size_t n) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto v = of(t);
    while (v.size() < n && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      v = of(t);
    }
    return v;
  }
};

struct Rig {
  test::TempDir dir;
  std::unique_ptr<store::Store> store;
  Metrics metrics;
  std::unique_ptr<events::Bus> bus;
  std::unique_ptr<owncast::Service> svc;
  Seen durable, live;

  explicit Rig(bool durable_ack = true, bool publish = true) {
    store::Options so;
    so.dir = dir.path();
    auto s = store::Store::open(so);
    REQUIRE(s);
    store = std::move(*s);
    bus = std::make_unique<events::Bus>(*store, metrics);
    events::Subscription d{"test-durable", events::Delivery::durable, 1024, {}, [this](const events::Event& e) { durable.add(e); }};
    events::Subscription l{"test-live", events::Delivery::drop, 1024, {}, [this](const events::Event& e) { live.add(e); }};
    REQUIRE(bus->subscribe(d));
    REQUIRE(bus->subscribe(l));
    owncast::ServiceOptions o;
    o.durable_ack = durable_ack;
    events::Bus* b = bus.get();
    if (publish) o.publish = [b](std::vector<events::Draft> drafts) { (void)b->publish_all(std::move(drafts)); };
    svc = std::make_unique<owncast::Service>(*store, metrics, o);
    REQUIRE(svc->start());
  }
  ~Rig() {
    svc->stop();
    bus->stop();
  }
  void post(const std::string& body) { REQUIRE(svc->submit(body, "").code == "stored"); }
};

}  // namespace

TEST_CASE("owncast events: a follow reaches a durable subscriber as a typed event, once") {
  Rig r;
  r.post(fixture("fediverse-engagement-follow.json"));
  r.post(fixture("fediverse-engagement-follow.json"));  // the same delivery again: a duplicate
  auto f = r.durable.wait(Type::follow_received, 1);
  REQUIRE(f.size() == 1);
  REQUIRE(f[0].follow());
  CHECK(f[0].follow()->event_id == "AqilY4hDR");
  CHECK(f[0].follow()->name == "Dana 🦣");
  CHECK(f[0].follow()->account == "@dana@mastodon.example");
  // The 0.3.0 shape is another delivery id: a second follow. Nothing else arrives.
  auto v3 = nlohmann::json::parse(fixture("fediverse-engagement-follow.v0.3.0.json"));
  v3["eventData"]["id"] = "other";
  r.post(v3.dump());
  REQUIRE(r.durable.wait(Type::follow_received, 2).size() == 2);
  REQUIRE(r.bus->drain(5000));
  CHECK(r.durable.of(Type::follow_received).size() == 2);
  // Journaled: a live client can replay it.
  auto j = r.bus->journal(0, 10);
  REQUIRE(j.size() == 2);
  CHECK(j[0].type == Type::follow_received);
}

TEST_CASE("owncast events: stream start and stop, viewers joining and leaving") {
  Rig r;
  r.post(fixture("stream-started.json"));
  auto started = r.durable.wait(Type::stream_started, 1);
  REQUIRE(started.size() == 1);
  CHECK(started[0].stream()->session_id == "Wt0kptnVR");
  CHECK(started[0].stream()->title == "Friday synth jam 🎹");

  r.post(fixture("user-joined.json"));
  auto joined = r.live.wait(Type::viewer_joined, 1);
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].viewer()->user_id == "z8Nq2_WkR");
  CHECK(joined[0].viewer()->display_name == "glowing-finch");
  r.post(fixture("user-parted.json"));
  auto left = r.live.wait(Type::viewer_left, 1);
  REQUIRE(left.size() == 1);
  CHECK(left[0].viewer()->user_id == "z8Nq2_WkR");
  CHECK(left[0].viewer()->display_name == "Nova");

  // A second viewer is present when the stream stops: it leaves with the stream.
  r.post(user_event("user-joined.json", "j2", "viewer-2"));
  REQUIRE(r.live.wait(Type::viewer_joined, 2).size() == 2);
  r.post(fixture("stream-stopped.json"));
  auto stopped = r.durable.wait(Type::stream_stopped, 1);
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0].stream()->session_id == "Wt0kptnVR");
  auto left2 = r.live.wait(Type::viewer_left, 2);
  REQUIRE(left2.size() == 2);
  CHECK(left2[1].viewer()->user_id == "viewer-2");
  CHECK(left2[1].seq < stopped[0].seq);  // viewers leave before the stream ends

  // Presence events are not journaled; stream events are.
  REQUIRE(r.bus->drain(5000));
  for (const auto& e : r.bus->journal(0, 100)) CHECK(events::durable(e.type));
  CHECK(r.bus->journal(0, 100).size() == 2);
  // A repeated STREAM_STOPPED (offline already) and a chat publish nothing new.
  auto again = nlohmann::json::parse(fixture("stream-stopped.json"));
  again["eventData"]["id"] = "stop-2";
  r.post(again.dump());
  r.post(fixture("visibility-update.json"));
  REQUIRE(r.bus->drain(5000));
  CHECK(r.durable.of(Type::stream_stopped).size() == 1);
}

TEST_CASE("owncast events: a reconcile's joins and leaves are published too") {
  Rig r;
  r.post(fixture("stream-started.json"));
  owncast::ConnectedClient c;
  c.user_id = "listed";
  c.display_name = "Listed";
  r.svc->submit_clients({c}, timeutil::now_ns());
  auto joined = r.live.wait(Type::viewer_joined, 1);
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].viewer()->user_id == "listed");
  r.svc->submit_clients({}, timeutil::now_ns());
  auto left = r.live.wait(Type::viewer_left, 1);
  REQUIRE(left.size() == 1);
  CHECK(left[0].viewer()->user_id == "listed");
}

// Not a test: how much publishing costs the webhook writer (run by hand: test_owncast "[.bench]").
TEST_CASE("owncast events: writer throughput with and without publishing", "[.bench]") {
  const int n = 20000;
  for (bool publish : {false, true, false, true}) {
    Rig r(false, publish);
    std::vector<std::string> bodies;
    for (int i = 0; i < n; ++i)
      bodies.push_back(user_event(i % 2 ? "user-parted.json" : "user-joined.json", "b" + std::to_string(i),
                                  "u" + std::to_string(i / 2)));
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& b : bodies) (void)r.svc->submit(b, "");
    r.svc->stop();  // writes everything queued
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    WARN((publish ? "with bus: " : "without:  ") << n << " join/part events in " << ms << " ms");
  }
}
