// Live alerts (issue 13): SSE framing, the overlay key, replay exactly once, caps, shutdown.
#include <catch2/catch.hpp>

#include "alerts/sse.h"
#include "alerts/sse_client.h"
#include "support/app_harness.h"
#include "support/test_support.h"

using namespace wm;
using test::RunningApp;
using test::SseClient;

namespace {

const std::string kPassword = "correct horse battery";

events::Tip tip(const std::string& id, uint64_t units, const std::string& msg = "hi") {
  events::Tip t;
  t.tip_id = id;
  t.amount = openpayments::Amount{units, "USD", 2};
  t.display_name = "Ann";
  t.message = msg;
  return t;
}

std::string overlay_key(RunningApp& app) {
  auto res = app.client().Get("/plugins/wm/api/overlays", {{"Authorization", test::basic_auth(kPassword)}});
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto j = nlohmann::json::parse(res->body);
  REQUIRE(j["urls"]["alerts"].get<std::string>().find("/plugins/wm/overlay/alerts?key=") != std::string::npos);
  return j["key"];
}

// The seq an overlay sees for the event: a completed tip is shown as the tip_cleared the
// moderation gate publishes for it (lib/moderation), so wait for that one.
uint64_t publish(RunningApp& app, events::Type type, events::Body body) {
  auto e = app.app().bus().publish(type, std::move(body));
  REQUIRE(e);
  if (type != events::Type::tip_completed) return e->seq;
  REQUIRE(app.app().bus().drain(5000));
  for (const auto& j : app.app().bus().journal(e->seq, 100))
    if (j.type == events::Type::tip_cleared && j.tip()->tip_id == e->tip()->tip_id) return j.seq;
  FAIL("no tip.cleared for tip " << e->tip()->tip_id);
  return 0;
}

}  // namespace

TEST_CASE("alerts: a tip frame has the bus seq as id, one-line data, the variation picked by integer amount") {
  alerts::View v;
  alerts::Variation big{"big", openpayments::Amount{20, "USD", 0}, nlohmann::json::object()};
  alerts::Variation mid{"mid", openpayments::Amount{500, "USD", 2}, nlohmann::json::object()};
  v.settings.variations = {big, mid};
  v.settings.speak_min = openpayments::Amount{1000, "USD", 2};
  events::Event e{42, events::Type::tip_cleared, 1'700'000'000'123'456'789, tip("t1", 1999, "line1\nline2")};
  auto f = alerts::frame_of(e, v);
  REQUIRE(f);
  const std::string text = alerts::frame(*f);
  CHECK(text.rfind("id: 42\nevent: tip\ndata: {", 0) == 0);
  CHECK(text.substr(text.size() - 2) == "\n\n");
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);  // id, event, data, blank
  CHECK(f->data["variation"] == "mid");  // 19.99 < 20 (scale 0) but >= 5.00
  CHECK(f->data["speak"] == true);
  CHECK(f->data["display"] == "19.99 USD");
  CHECK(f->data["at"] == "2023-11-14T22:13:20.123456789Z");  // the completed commit's time
  e.body = tip("t2", 2000);
  CHECK(alerts::frame_of(e, v)->data["variation"] == "big");  // 20.00 == 20 across scales
  e.body = tip("t3", 2000);
  std::get<events::Tip>(e.body).amount.asset_code = "EUR";  // never compared across currencies
  CHECK(alerts::frame_of(e, v)->data["variation"] == "");
}

TEST_CASE("alerts: denied, failed and pending tips never become alerts; anonymous shows Anonymous") {
  alerts::View v;
  for (auto type : {events::Type::tip_denied, events::Type::tip_failed, events::Type::viewer_joined})
    CHECK_FALSE(alerts::frame_of(events::Event{1, type, 0, tip("t", 500)}, v));
  auto t = tip("t", 500);
  t.anonymous = true;
  CHECK(alerts::frame_of(events::Event{1, events::Type::tip_cleared, 0, t}, v)->data["name"] == "Anonymous");
  // A completed tip is shown only once moderation cleared it (tip.cleared).
  CHECK_FALSE(alerts::frame_of(events::Event{1, events::Type::tip_completed, 0, t}, v));
  v.settings.alert_min = openpayments::Amount{1000, "USD", 2};
  CHECK_FALSE(alerts::frame_of(events::Event{1, events::Type::tip_cleared, 0, tip("t", 999)}, v));
}

TEST_CASE("alerts: the overlay stream needs the key; a new key closes old streams at once") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  const std::string key = overlay_key(app);
  CHECK(key.size() >= 22);  // 128 bits in base64url
  auto wrong = app.client().Get("/plugins/wm/overlay/events?key=nope");
  REQUIRE(wrong);
  CHECK(wrong->status == 404);
  CHECK(app.client().Get("/plugins/wm/overlay/events")->status == 404);
  CHECK(app.client().Get("/plugins/wm/api/overlays")->status == 401);

  SseClient live(app.port(), "/plugins/wm/overlay/events?key=" + key);
  REQUIRE(live.wait_contains("retry: 2000"));
  CHECK(live.data.find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(live.data.find("Transfer-Encoding: chunked") != std::string::npos);

  auto res = app.client().Post("/plugins/wm/api/overlays/key", {{"Authorization", test::basic_auth(kPassword)}}, "",
                               "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const std::string fresh = nlohmann::json::parse(res->body)["key"];
  CHECK(fresh != key);
  CHECK(live.wait_closed());
  CHECK(app.client().Get("/plugins/wm/overlay/alerts?key=" + key)->status == 404);
  CHECK(app.client().Get("/plugins/wm/overlay/alerts?key=" + fresh)->status == 200);
}

TEST_CASE("alerts: completed tips stream live; Last-Event-ID replays what was missed exactly once") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  const std::string key = overlay_key(app);
  const uint64_t s1 = publish(app, events::Type::tip_completed, tip("a", 100));
  publish(app, events::Type::tip_denied, tip("denied", 100));
  const uint64_t s2 = publish(app, events::Type::tip_completed, tip("b", 200));
  const uint64_t s3 = publish(app, events::Type::tip_completed, tip("c", 300));

  SseClient c(app.port(), "/plugins/wm/overlay/events?key=" + key, "Last-Event-ID: " + std::to_string(s1) + "\r\n");
  REQUIRE(c.wait_contains("\"id\":\"c\""));
  CHECK(c.count("id: " + std::to_string(s2) + "\n") == 1);
  CHECK(c.count("id: " + std::to_string(s3) + "\n") == 1);
  CHECK(c.count("\"id\":\"a\"") == 0);  // the client had it
  const uint64_t s4 = publish(app, events::Type::tip_completed, tip("d", 400));
  REQUIRE(c.wait_contains("\"id\":\"d\""));
  app.app().bus().drain(2000);
  // Give late duplicates a chance to show: wait for a later event, then count.
  const uint64_t s5 = publish(app, events::Type::tip_completed, tip("e", 500));
  REQUIRE(c.wait_contains("id: " + std::to_string(s5)));
  for (uint64_t s : {s2, s3, s4, s5}) CHECK(c.count("id: " + std::to_string(s) + "\n") == 1);
  CHECK(c.count("denied") == 0);
}

TEST_CASE("alerts: client caps answer 503 beyond the limit and never block the API; shutdown closes streams") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword, "--sse-max-clients", "2"});
  const std::string key = overlay_key(app);
  const std::string path = "/plugins/wm/overlay/events?key=" + key;
  SseClient a(app.port(), path), b(app.port(), path);
  REQUIRE(a.wait_contains("retry:"));
  REQUIRE(b.wait_contains("retry:"));
  SseClient c(app.port(), path);
  REQUIRE(c.wait_contains("too_many_clients"));  // an ordinary JSON answer (keep-alive)
  CHECK(c.data.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(c.data.find("\"code\":\"too_many_clients\"") != std::string::npos);
  // The dashboard has its own cap.
  SseClient d(app.port(), "/plugins/wm/api/live", "Authorization: " + test::basic_auth(kPassword) + "\r\n");
  REQUIRE(d.wait_contains("retry:"));
  CHECK(d.data.rfind("HTTP/1.1 200", 0) == 0);
  // Handlers are free: the open streams hold no worker thread.
  auto health = app.client().Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto sent = app.client().Post("/plugins/wm/api/alerts/test", {{"Authorization", test::basic_auth(kPassword)}}, "",
                                "application/json");
  REQUIRE(sent);
  CHECK(sent->status == 200);
  REQUIRE(a.wait_contains("\"test\":true"));
  CHECK(d.wait_contains("\"test\":true"));
  // A closed client frees its place.
  b.close();
  bool reopened = false;
  for (int i = 0; i < 50 && !reopened; ++i) {
    SseClient e(app.port(), path);
    e.wait_for([](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; });
    reopened = e.data.rfind("HTTP/1.1 200", 0) == 0;
    if (!reopened) usleep(20000);
  }
  CHECK(reopened);
  const auto t0 = std::chrono::steady_clock::now();
  app.stop();
  CHECK(a.wait_closed(3000));
  CHECK(d.wait_closed(3000));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
}

TEST_CASE("alerts: lastEventId in the query resumes like Last-Event-ID (the header wins); an unknown future id starts live") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  const std::string path = "/plugins/wm/overlay/events?key=" + overlay_key(app);
  const uint64_t s1 = publish(app, events::Type::tip_completed, tip("a", 100));
  const uint64_t s2 = publish(app, events::Type::tip_completed, tip("b", 200));
  const uint64_t s3 = publish(app, events::Type::tip_completed, tip("c", 300));

  // A page that reloads cannot set headers on EventSource: it sends the last id it showed.
  SseClient q(app.port(), path + "&lastEventId=" + std::to_string(s1));
  REQUIRE(q.wait_contains("\"id\":\"c\""));
  CHECK(q.count("\"id\":\"a\"") == 0);
  CHECK(q.count("id: " + std::to_string(s2) + "\n") == 1);
  // The browser's own reconnect sends the header with a newer id: it wins over the query.
  SseClient h(app.port(), path + "&lastEventId=" + std::to_string(s1), "Last-Event-ID: " + std::to_string(s2) + "\r\n");
  REQUIRE(h.wait_contains("\"id\":\"c\""));
  CHECK(h.count("\"id\":\"b\"") == 0);
  // An id this journal never issued (the data dir was replaced): live from now, not silence
  // until the numbering catches up.
  SseClient f(app.port(), path + "&lastEventId=" + std::to_string(s3 + 1000));
  REQUIRE(f.wait_contains("retry:"));
  const uint64_t s4 = publish(app, events::Type::tip_completed, tip("d", 400));
  CHECK(f.wait_contains("id: " + std::to_string(s4) + "\n"));
  CHECK(f.count("\"id\":\"c\"") == 0);
  // Not a number: ignored (live from now).
  SseClient bad(app.port(), path + "&lastEventId=x1");
  REQUIRE(bad.wait_contains("retry:"));
  const uint64_t s5 = publish(app, events::Type::tip_completed, tip("e", 500));
  CHECK(bad.wait_contains("id: " + std::to_string(s5) + "\n"));
  CHECK(bad.count("\"id\":\"d\"") == 0);
}
