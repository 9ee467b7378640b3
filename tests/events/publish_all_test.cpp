// Bus::publish_all: a group of events numbered in order, durable ones journaled together.
#include <catch2/catch.hpp>

#include <mutex>

#include "core/metrics.h"
#include "events/bus.h"
#include "store/store.h"
#include "support/test_support.h"

using namespace wm;
using events::Type;

TEST_CASE("events: publish_all numbers a group in order and journals only its durable events") {
  test::TempDir dir;
  store::Options o;
  o.dir = dir.path();
  auto st = store::Store::open(o);
  REQUIRE(st);
  Metrics metrics;
  events::Bus bus(**st, metrics);
  std::mutex m;
  std::vector<events::Event> got;
  REQUIRE(bus.subscribe({"all", events::Delivery::drop, 64, {}, [&](const events::Event& e) {
                           std::lock_guard<std::mutex> l(m);
                           got.push_back(e);
                         }}));
  std::vector<events::Draft> drafts;
  drafts.push_back({Type::viewer_joined, events::Viewer{"u1", "A"}, 10});
  drafts.push_back({Type::follow_received, events::Follow{"f1", "Dana", "@dana@example"}, 11});
  drafts.push_back({Type::stream_started, events::Stream{"s1", "Title"}, 12});
  drafts.push_back({Type::viewer_left, events::Viewer{"u1", "A"}, 13});
  REQUIRE(bus.publish_all(std::move(drafts)));
  REQUIRE(bus.publish_all({}));  // nothing: no-op
  REQUIRE(bus.drain(5000));
  {
    std::lock_guard<std::mutex> l(m);
    REQUIRE(got.size() == 4);
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i].seq == i + 1);
    CHECK(got[0].type == Type::viewer_joined);
    CHECK(got[1].follow()->account == "@dana@example");
    CHECK(got[3].at_ns == 13);
  }
  auto j = bus.journal(0, 10);
  REQUIRE(j.size() == 2);
  CHECK(j[0].seq == 2);
  CHECK(j[0].type == Type::follow_received);
  CHECK(j[1].seq == 3);
  CHECK(j[1].stream()->title == "Title");
  CHECK(bus.last_seq() == 4);
  bus.stop();
}
