// Stream state and viewer presence driven by Owncast events.
#include "owncast/presence.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "owncast/event.h"
#include "support/test_support.h"

using namespace wm::owncast;

namespace {

constexpr int64_t kSec = 1000000000LL;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t T0 = 1777748400LL * kSec;  // 2026-05-02T19:00:00Z

Event ev(const std::string& type, int64_t ts, const std::string& user_id = "",
         const std::string& id = "", const std::string& name = "", bool bot = false) {
  Event e;
  e.type = type;
  e.id = id;
  e.event_time_ns = ts;
  if (!user_id.empty()) e.user = User{user_id, name.empty() ? user_id + "-name" : name, bot};
  return e;
}

Event started(int64_t ts, const std::string& id = "S1", const std::string& title = "Live!") {
  Event e = ev("STREAM_STARTED", ts, "", id);
  e.stream_title = title;
  e.has_stream_title = true;
  e.data = {{"id", id}, {"streamTitle", title}, {"status", {{"online", false}}}};
  e.status_online = false;
  return e;
}

Event stopped(int64_t ts, const std::string& id = "E9") {
  Event e = ev("STREAM_STOPPED", ts, "", id);
  e.status_online = true;  // deliberately misleading: state comes from the type
  return e;
}

Event title_updated(int64_t ts, const std::string& title) {
  Event e = ev("STREAM_TITLE_UPDATED", ts, "", "T" + std::to_string(ts));
  e.stream_title = title;
  e.has_stream_title = true;
  e.data = {{"streamTitle", title}};
  return e;
}

Event parse_fixture(const std::string& name) {
  for (const auto& [file, body] : wm::test::webhook_fixtures()) {
    if (file == name) {
      auto r = parse_event(body);
      REQUIRE(r.ok());
      return r.value();
    }
  }
  FAIL("missing fixture " << name);
  return {};
}

const Viewer* find_viewer(const std::vector<Viewer>& vs, const std::string& id) {
  for (const auto& v : vs) {
    if (v.user_id == id) return &v;
  }
  return nullptr;
}

bool is_present(const Presence& p, const std::string& id) {
  return find_viewer(p.present(), id) != nullptr;
}

}  // namespace

TEST_CASE("owncast: USER_JOINED then USER_PARTED closes a session with watch seconds") {
  Presence p;
  p.apply(started(T0), T0);
  auto j = p.apply(ev("USER_JOINED", T0 + 10 * kSec, "u1", "j1", "alice"), T0 + 11 * kSec);
  REQUIRE(j.viewers.size() == 1);
  CHECK(j.viewers[0].present);
  CHECK(j.viewers[0].joined_at == T0 + 10 * kSec);
  CHECK(j.viewers[0].last_seen_at == T0 + 10 * kSec);
  CHECK(j.viewers[0].last_join_ts == T0 + 10 * kSec);
  CHECK(j.viewers[0].display_name == "alice");
  CHECK(j.state_changed);
  CHECK(p.state().current_viewers == 1);

  auto pt = p.apply(ev("USER_PARTED", T0 + 10 * kSec + 26 * kMin + 500000000, "u1", "p1", "alice"),
                    T0 + 27 * kMin);
  REQUIRE(pt.closed.size() == 1);
  const ViewerSession& s = pt.closed[0];
  CHECK(s.user_id == "u1");
  CHECK(s.display_name == "alice");
  CHECK(s.stream_id == "S1");
  CHECK(s.reason == "parted");
  CHECK(s.joined_at == T0 + 10 * kSec);
  CHECK(s.left_at == T0 + 10 * kSec + 26 * kMin + 500000000);
  CHECK(s.watch_seconds == 26 * 60);
  REQUIRE(pt.viewers.size() == 1);
  CHECK_FALSE(pt.viewers[0].present);
  CHECK(pt.viewers[0].last_part_ts == s.left_at);
  CHECK(pt.state_changed);
  CHECK(p.state().current_viewers == 0);
  CHECK(p.present().empty());
}

TEST_CASE("owncast: a viewer session outside a live stream has an empty stream id") {
  Presence p;
  p.apply(ev("USER_JOINED", T0, "u1"), T0);
  auto c = p.apply(ev("USER_PARTED", T0 + 90 * kSec, "u1"), T0 + 90 * kSec);
  REQUIRE(c.closed.size() == 1);
  CHECK(c.closed[0].stream_id.empty());
  CHECK(c.closed[0].watch_seconds == 90);
}

TEST_CASE("owncast: a USER_PARTED older than the latest USER_JOINED is ignored") {
  Presence p;
  p.apply(ev("USER_JOINED", T0 + 100 * kSec, "u1"), T0 + 100 * kSec);
  // The part of a previous connection arrives late.
  auto c = p.apply(ev("USER_PARTED", T0 + 50 * kSec, "u1"), T0 + 101 * kSec);
  CHECK(c.closed.empty());
  CHECK(is_present(p, "u1"));
  CHECK(p.state().current_viewers == 1);
  REQUIRE(c.viewers.size() == 1);  // last_part_ts is still recorded
  CHECK(c.viewers[0].present);
  CHECK(c.viewers[0].last_part_ts == T0 + 50 * kSec);
  CHECK(c.viewers[0].joined_at == T0 + 100 * kSec);
}

TEST_CASE("owncast: a USER_JOINED older than an applied USER_PARTED is ignored") {
  Presence p;
  p.apply(ev("USER_JOINED", T0, "u1"), T0);
  p.apply(ev("USER_PARTED", T0 + 200 * kSec, "u1"), T0 + 200 * kSec);
  // A join from before that part is delivered late.
  auto c = p.apply(ev("USER_JOINED", T0 + 100 * kSec, "u1"), T0 + 201 * kSec);
  CHECK_FALSE(is_present(p, "u1"));
  CHECK(c.closed.empty());
  CHECK_FALSE(c.state_changed);
  REQUIRE(c.viewers.size() == 1);
  CHECK(c.viewers[0].last_join_ts == T0 + 100 * kSec);
  CHECK(c.viewers[0].last_part_ts == T0 + 200 * kSec);
  // A join at the same instant as the part is applied.
  p.apply(ev("USER_JOINED", T0 + 200 * kSec, "u1"), T0 + 202 * kSec);
  CHECK(is_present(p, "u1"));
}

TEST_CASE("owncast: a repeated USER_JOINED only refreshes last_seen_at") {
  Presence p;
  p.apply(ev("USER_JOINED", T0, "u1"), T0);
  auto c = p.apply(ev("USER_JOINED", T0 + 5 * kSec, "u1"), T0 + 5 * kSec);
  CHECK(c.closed.empty());
  CHECK_FALSE(c.state_changed);
  REQUIRE(c.viewers.size() == 1);
  CHECK(c.viewers[0].joined_at == T0);
  CHECK(c.viewers[0].last_seen_at == T0 + 5 * kSec);
  CHECK(p.state().current_viewers == 1);
  // An exact duplicate changes nothing at all.
  CHECK(p.apply(ev("USER_JOINED", T0 + 5 * kSec, "u1"), T0 + 6 * kSec).empty());
}

TEST_CASE("owncast: USER_PARTED for an unknown user closes nothing and is remembered") {
  Presence p;
  p.apply(started(T0), T0);
  auto c = p.apply(ev("USER_PARTED", T0 + 300 * kSec, "ghost"), T0 + 300 * kSec);
  CHECK(c.closed.empty());
  CHECK_FALSE(c.state_changed);
  CHECK(p.state().current_viewers == 0);
  REQUIRE(c.viewers.size() == 1);
  CHECK_FALSE(c.viewers[0].present);
  CHECK(c.viewers[0].last_part_ts == T0 + 300 * kSec);
  // A second part does not push the count below zero.
  p.apply(ev("USER_PARTED", T0 + 310 * kSec, "ghost"), T0 + 310 * kSec);
  CHECK(p.state().current_viewers == 0);
  // An older join arriving later stays ignored; a newer one applies.
  p.apply(ev("USER_JOINED", T0 + 200 * kSec, "ghost"), T0 + 311 * kSec);
  CHECK_FALSE(is_present(p, "ghost"));
  CHECK(p.state().current_viewers == 0);
  p.apply(ev("USER_JOINED", T0 + 400 * kSec, "ghost"), T0 + 400 * kSec);
  CHECK(is_present(p, "ghost"));
  CHECK(p.state().current_viewers == 1);
}

TEST_CASE("owncast: bots are never viewers") {
  Presence p;
  p.apply(started(T0), T0);
  for (const char* type : {"USER_JOINED", "CHAT", "NAME_CHANGE", "USER_PARTED"}) {
    INFO(type);
    CHECK(p.apply(ev(type, T0 + kSec, "bot1", std::string("b-") + type, "TipBot", true), T0 + kSec)
              .empty());
  }
  CHECK(p.present().empty());
  CHECK(p.state().current_viewers == 0);
  CHECK(p.state().peak_viewers == 0);
  auto r = p.reconcile({{"bot1", "TipBot", true, T0}}, T0 + 2 * kSec);
  CHECK(r.empty());
  CHECK(p.present().empty());
}

TEST_CASE("owncast: CHAT from a viewer who was not present marks them present") {
  Presence p;
  p.apply(started(T0), T0);
  auto c = p.apply(ev("CHAT", T0 + 60 * kSec, "u1", "m1", "quiet-otter"), T0 + 61 * kSec);
  REQUIRE(c.viewers.size() == 1);
  CHECK(c.viewers[0].present);
  CHECK(c.viewers[0].joined_at == T0 + 60 * kSec);
  CHECK(c.viewers[0].last_seen_at == T0 + 60 * kSec);
  CHECK(c.viewers[0].display_name == "quiet-otter");
  CHECK(c.state_changed);
  CHECK(p.state().current_viewers == 1);
  // Later chat only refreshes activity.
  auto c2 = p.apply(ev("CHAT", T0 + 90 * kSec, "u1", "m2", "quiet-otter"), T0 + 91 * kSec);
  REQUIRE(c2.viewers.size() == 1);
  CHECK(c2.viewers[0].joined_at == T0 + 60 * kSec);
  CHECK(c2.viewers[0].last_seen_at == T0 + 90 * kSec);
  CHECK_FALSE(c2.state_changed);
  // An older chat never moves last_seen_at back.
  auto c3 = p.apply(ev("CHAT", T0 + 70 * kSec, "u1", "m3", "quiet-otter"), T0 + 92 * kSec);
  CHECK(c3.empty());
}

TEST_CASE("owncast: CHAT older than the viewer's last part does not mark them present") {
  Presence p;
  p.apply(ev("USER_JOINED", T0, "u1"), T0);
  p.apply(ev("USER_PARTED", T0 + 100 * kSec, "u1"), T0 + 100 * kSec);
  auto c = p.apply(ev("CHAT", T0 + 50 * kSec, "u1", "m1"), T0 + 101 * kSec);
  CHECK(c.closed.empty());
  CHECK_FALSE(c.state_changed);
  CHECK_FALSE(is_present(p, "u1"));
  // A chat after the part is a new session.
  p.apply(ev("CHAT", T0 + 150 * kSec, "u1", "m2"), T0 + 150 * kSec);
  auto pr = p.present();
  REQUIRE(pr.size() == 1);
  CHECK(pr[0].joined_at == T0 + 150 * kSec);
}

TEST_CASE("owncast: NAME_CHANGE updates the display name from user.displayName at receive time") {
  Presence p;
  p.apply(ev("USER_JOINED", T0, "z8Nq2_WkR", "j", "glowing-finch"), T0);
  Event e = parse_fixture("name-change.json");
  e.new_name = "<b>Nova</b> raw";  // raw client input must not be used
  const int64_t received = T0 + 5 * kMin;
  auto c = p.apply(e, received);
  REQUIRE(c.viewers.size() == 1);
  CHECK(c.viewers[0].display_name == "Nova");
  CHECK(c.viewers[0].last_seen_at == received);
  CHECK(c.viewers[0].joined_at == T0);
  CHECK(c.closed.empty());
  // A custom client may fill in a timestamp; it is still ignored.
  Event e2 = ev("NAME_CHANGE", T0 - 1000 * kSec, "z8Nq2_WkR", "", "Nova2");
  auto c2 = p.apply(e2, received + kSec);
  REQUIRE(c2.viewers.size() == 1);
  CHECK(c2.viewers[0].display_name == "Nova2");
  CHECK(c2.viewers[0].last_seen_at == received + kSec);
}

TEST_CASE("owncast: events without a timestamp use the receive time") {
  Presence p;
  p.apply(ev("USER_JOINED", 0, "u1"), T0 + 7 * kSec);
  auto pr = p.present();
  REQUIRE(pr.size() == 1);
  CHECK(pr[0].joined_at == T0 + 7 * kSec);
  CHECK(pr[0].last_join_ts == T0 + 7 * kSec);
  auto c = p.apply(ev("USER_PARTED", 0, "u1"), T0 + 67 * kSec);
  REQUIRE(c.closed.size() == 1);
  CHECK(c.closed[0].left_at == T0 + 67 * kSec);
  CHECK(c.closed[0].watch_seconds == 60);

  Presence q;
  Event s = started(0, "");
  q.apply(s, T0);
  REQUIRE(q.current_stream());
  CHECK(q.current_stream()->started_at == T0);
  CHECK(q.current_stream()->id == "s-" + std::to_string(T0));
}

TEST_CASE("owncast: expire closes idle viewers after 30 minutes and not before") {
  Presence p;
  p.apply(started(T0), T0);
  p.apply(ev("USER_JOINED", T0 + kMin, "u1"), T0 + kMin);
  p.apply(ev("USER_JOINED", T0 + kMin, "u2"), T0 + kMin);
  p.apply(ev("CHAT", T0 + 10 * kMin, "u2", "m1"), T0 + 10 * kMin);

  CHECK(p.expire(T0 + 31 * kMin - 1).empty());
  CHECK(p.state().current_viewers == 2);

  auto c = p.expire(T0 + 31 * kMin);
  REQUIRE(c.closed.size() == 1);
  CHECK(c.closed[0].user_id == "u1");
  CHECK(c.closed[0].reason == "expired");
  CHECK(c.closed[0].stream_id == "S1");
  CHECK(c.closed[0].left_at == T0 + kMin);  // last activity, not last activity + idle
  CHECK(c.closed[0].watch_seconds == 0);
  REQUIRE(c.viewers.size() == 1);
  CHECK_FALSE(c.viewers[0].present);
  CHECK(c.state_changed);
  CHECK(p.state().current_viewers == 1);

  auto c2 = p.expire(T0 + 40 * kMin);
  REQUIRE(c2.closed.size() == 1);
  CHECK(c2.closed[0].user_id == "u2");
  CHECK(c2.closed[0].left_at == T0 + 10 * kMin);
  CHECK(c2.closed[0].watch_seconds == 9 * 60);
  CHECK(p.present().empty());
  CHECK(p.state().peak_viewers == 2);
}

TEST_CASE("owncast: expire honours a custom idle timeout") {
  Presence p;
  p.apply(ev("USER_JOINED", T0, "u1"), T0);
  CHECK(p.expire(T0 + 5 * kSec - 1, 5 * kSec).empty());
  CHECK(p.expire(T0 + 5 * kSec, 5 * kSec).closed.size() == 1);
}

TEST_CASE("owncast: expire forgets absent viewers after an hour of inactivity") {
  Presence p;
  p.apply(ev("USER_PARTED", T0, "u1"), T0);
  // Within the hour the part still orders a late, older join.
  CHECK(p.expire(T0 + 59 * kMin).empty());
  p.apply(ev("USER_JOINED", T0 - kSec, "u1"), T0 + 59 * kMin);
  CHECK_FALSE(is_present(p, "u1"));
  // After an hour the entry is dropped (not reported), so the old part no longer applies.
  CHECK(p.expire(T0 + 61 * kMin).empty());
  p.apply(ev("USER_JOINED", T0 - kSec, "u1"), T0 + 61 * kMin);
  CHECK(is_present(p, "u1"));
}

TEST_CASE("owncast: STREAM_STARTED goes online from the type even though status.online is false") {
  Presence p;
  Event e = parse_fixture("stream-started.json");
  REQUIRE(e.status_online.has_value());
  REQUIRE_FALSE(*e.status_online);
  auto c = p.apply(e, e.event_time_ns + kSec);
  CHECK(c.state_changed);
  REQUIRE(c.stream);
  CHECK(c.stream->id == "Wt0kptnVR");
  CHECK(c.stream->title == "Friday synth jam \xF0\x9F\x8E\xB9");
  CHECK(c.stream->started_at == e.event_time_ns);
  CHECK(c.stream->ended_at == 0);
  CHECK(c.stream->peak_viewers == 0);
  StreamState s = p.state();
  CHECK(s.online);
  CHECK(s.title == c.stream->title);
  CHECK(s.started_at == e.event_time_ns);
  CHECK(s.current_viewers == 0);
  REQUIRE(p.current_stream());
  CHECK(p.current_stream()->id == "Wt0kptnVR");
}

TEST_CASE("owncast: a duplicate STREAM_STARTED for the live session is a no-op") {
  Presence p;
  p.apply(started(T0), T0);
  p.apply(ev("USER_JOINED", T0 + kSec, "u1"), T0 + kSec);
  auto c = p.apply(started(T0 + 5 * kSec), T0 + 5 * kSec);
  CHECK(c.empty());
  CHECK(p.current_stream()->started_at == T0);
  CHECK(p.state().current_viewers == 1);
}

TEST_CASE("owncast: STREAM_STARTED with a new id ends the previous session first") {
  Presence p;
  p.apply(started(T0, "A", "first"), T0);
  p.apply(ev("USER_JOINED", T0 + kMin, "u1"), T0 + kMin);
  auto c = p.apply(started(T0 + 60 * kMin, "B", "second"), T0 + 60 * kMin);
  REQUIRE(c.ended_stream);
  CHECK(c.ended_stream->id == "A");
  CHECK(c.ended_stream->ended_at == T0 + 60 * kMin);
  CHECK(c.ended_stream->peak_viewers == 1);
  REQUIRE(c.stream);
  CHECK(c.stream->id == "B");
  CHECK(c.stream->title == "second");
  CHECK(c.stream->ended_at == 0);
  CHECK(c.stream->peak_viewers == 0);
  REQUIRE(c.closed.size() == 1);
  CHECK(c.closed[0].stream_id == "A");
  CHECK(c.closed[0].reason == "stream_stopped");
  CHECK(c.closed[0].watch_seconds == 59 * 60);
  CHECK(p.state().online);
  CHECK(p.state().title == "second");
  // A late STREAM_STARTED of the earlier session does not take over.
  CHECK(p.apply(started(T0, "A", "first"), T0 + 61 * kMin).empty());
  CHECK(p.current_stream()->id == "B");
}

TEST_CASE("owncast: STREAM_STARTED resets the peak to the current viewer count") {
  Presence p;
  // Viewers seen while offline (chat keeps working) are carried into the new session.
  p.apply(ev("CHAT", T0, "u1", "m1"), T0);
  p.apply(ev("CHAT", T0, "u2", "m2"), T0);
  auto c = p.apply(started(T0 + kMin), T0 + kMin);
  REQUIRE(c.stream);
  CHECK(c.stream->peak_viewers == 2);
  CHECK(p.state().peak_viewers == 2);
  CHECK(p.state().current_viewers == 2);
}

TEST_CASE("owncast: STREAM_STOPPED closes all present viewers and goes offline") {
  Presence p;
  p.apply(started(T0, "S1", "jam"), T0);
  p.apply(ev("USER_JOINED", T0 + kMin, "u1"), T0 + kMin);
  p.apply(ev("CHAT", T0 + 2 * kMin, "u2", "m"), T0 + 2 * kMin);
  p.apply(ev("USER_JOINED", T0 + 3 * kMin, "u3"), T0 + 3 * kMin);
  p.apply(ev("USER_PARTED", T0 + 4 * kMin, "u3"), T0 + 4 * kMin);

  auto c = p.apply(stopped(T0 + 62 * kMin), T0 + 62 * kMin);
  CHECK(c.state_changed);
  REQUIRE(c.stream);
  CHECK(c.stream->id == "S1");
  CHECK(c.stream->ended_at == T0 + 62 * kMin);
  CHECK(c.stream->peak_viewers == 3);
  REQUIRE(c.closed.size() == 2);
  for (const auto& s : c.closed) {
    CHECK(s.reason == "stream_stopped");
    CHECK(s.stream_id == "S1");
    CHECK(s.left_at == T0 + 62 * kMin);
  }
  auto u1 = std::find_if(c.closed.begin(), c.closed.end(),
                         [](const ViewerSession& s) { return s.user_id == "u1"; });
  REQUIRE(u1 != c.closed.end());
  CHECK(u1->watch_seconds == 61 * 60);
  CHECK(c.viewers.size() == 2);
  for (const auto& v : c.viewers) CHECK_FALSE(v.present);

  StreamState s = p.state();
  CHECK_FALSE(s.online);  // even though the event said status.online = true
  CHECK(s.title == "jam");
  CHECK(s.started_at == 0);
  CHECK(s.current_viewers == 0);
  CHECK(s.peak_viewers == 3);
  CHECK_FALSE(p.current_stream());
  CHECK(p.present().empty());
  // A duplicate stop changes nothing.
  CHECK(p.apply(stopped(T0 + 62 * kMin), T0 + 63 * kMin).empty());
}

TEST_CASE("owncast: a STREAM_STOPPED older than the live session's start is ignored") {
  Presence p;
  p.apply(started(T0 + 10 * kMin, "B"), T0 + 10 * kMin);
  CHECK(p.apply(stopped(T0 + 5 * kMin), T0 + 11 * kMin).empty());
  CHECK(p.state().online);
}

TEST_CASE("owncast: STREAM_TITLE_UPDATED changes the title of the live session") {
  Presence p;
  p.apply(started(T0, "S1", "old"), T0);
  auto c = p.apply(title_updated(T0 + kMin, "new title"), T0 + kMin);
  CHECK(c.state_changed);
  REQUIRE(c.stream);
  CHECK(c.stream->id == "S1");
  CHECK(c.stream->title == "new title");
  CHECK(p.state().title == "new title");
  CHECK(p.apply(title_updated(T0 + 2 * kMin, "new title"), T0 + 2 * kMin).empty());
}

TEST_CASE("owncast: STREAM_TITLE_UPDATED while offline changes only the state title") {
  Presence p;
  auto c = p.apply(title_updated(T0, "coming soon"), T0);
  CHECK(c.state_changed);
  CHECK_FALSE(c.stream);
  CHECK(p.state().title == "coming soon");
  CHECK_FALSE(p.state().online);
  // The next stream starts with the title it announces.
  p.apply(started(T0 + kMin, "S2", "now live"), T0 + kMin);
  CHECK(p.state().title == "now live");
}

TEST_CASE("owncast: the peak tracks the highest concurrent viewer count of the session") {
  Presence p;
  p.apply(started(T0), T0);
  p.apply(ev("USER_JOINED", T0 + 1 * kSec, "a"), T0 + 1 * kSec);
  p.apply(ev("USER_JOINED", T0 + 2 * kSec, "b"), T0 + 2 * kSec);
  auto c = p.apply(ev("USER_JOINED", T0 + 3 * kSec, "c"), T0 + 3 * kSec);
  REQUIRE(c.stream);
  CHECK(c.stream->peak_viewers == 3);
  auto d = p.apply(ev("USER_PARTED", T0 + 4 * kSec, "a"), T0 + 4 * kSec);
  CHECK_FALSE(d.stream);  // peak unchanged
  CHECK(d.state_changed);
  p.apply(ev("USER_PARTED", T0 + 5 * kSec, "b"), T0 + 5 * kSec);
  p.apply(ev("USER_JOINED", T0 + 6 * kSec, "d"), T0 + 6 * kSec);
  CHECK(p.state().current_viewers == 2);
  CHECK(p.state().peak_viewers == 3);
  CHECK(p.current_stream()->peak_viewers == 3);
}

TEST_CASE("owncast: reconcile makes listed clients present") {
  Presence p;
  p.apply(started(T0), T0);
  const int64_t fetched = T0 + 5 * kMin;
  std::vector<ConnectedClient> clients = {
      {"u1", "alice", false, T0 + kMin},
      {"u2", "bob", false, 0},                // connect time unknown
      {"u1", "alice", false, T0 + 2 * kMin},  // second tab
  };
  auto c = p.reconcile(clients, fetched);
  CHECK(c.closed.empty());
  CHECK(c.viewers.size() == 2);
  CHECK(c.state_changed);
  REQUIRE(c.stream);
  CHECK(c.stream->peak_viewers == 2);
  auto pr = p.present();
  REQUIRE(pr.size() == 2);
  CHECK(pr[0].user_id == "u1");
  CHECK(pr[0].joined_at == T0 + kMin);
  CHECK(pr[0].last_seen_at == fetched);
  CHECK(pr[0].display_name == "alice");
  CHECK(pr[1].user_id == "u2");
  CHECK(pr[1].joined_at == fetched);
  CHECK(pr[1].last_seen_at == fetched);
  // A present viewer keeps joined_at and gets last_seen_at refreshed.
  auto c2 = p.reconcile(clients, fetched + kMin);
  CHECK(c2.closed.empty());
  CHECK_FALSE(c2.state_changed);
  REQUIRE(c2.viewers.size() == 2);
  CHECK(p.present()[0].joined_at == T0 + kMin);
  CHECK(p.present()[0].last_seen_at == fetched + kMin);
}

TEST_CASE("owncast: reconcile closes present viewers missing from the list") {
  Presence p;
  p.apply(started(T0), T0);
  p.apply(ev("USER_JOINED", T0 + kMin, "u1"), T0 + kMin);
  p.apply(ev("USER_JOINED", T0 + kMin, "u2"), T0 + kMin);
  p.apply(ev("CHAT", T0 + 3 * kMin, "u2", "m1"), T0 + 3 * kMin);
  auto c = p.reconcile({{"u1", "", false, T0 + kMin}}, T0 + 10 * kMin);
  REQUIRE(c.closed.size() == 1);
  CHECK(c.closed[0].user_id == "u2");
  CHECK(c.closed[0].reason == "reconciled");
  CHECK(c.closed[0].stream_id == "S1");
  CHECK(c.closed[0].left_at == T0 + 3 * kMin);
  CHECK(c.closed[0].watch_seconds == 120);
  CHECK(is_present(p, "u1"));
  CHECK_FALSE(is_present(p, "u2"));
  CHECK(p.state().current_viewers == 1);
  // An empty list closes everyone.
  auto c2 = p.reconcile({}, T0 + 11 * kMin);
  REQUIRE(c2.closed.size() == 1);
  CHECK(c2.closed[0].user_id == "u1");
  CHECK(p.present().empty());
}

TEST_CASE("owncast: reconcile keeps viewers who joined or were seen after the fetch started") {
  Presence p;
  p.apply(started(T0), T0);
  const int64_t fetched = T0 + 10 * kMin;
  p.apply(ev("USER_JOINED", fetched + kSec, "late-join"), fetched + kSec);
  p.apply(ev("USER_JOINED", T0 + kMin, "chatty"), T0 + kMin);
  p.apply(ev("CHAT", fetched + 2 * kSec, "chatty", "m"), fetched + 2 * kSec);
  p.apply(ev("USER_JOINED", T0 + kMin, "gone"), T0 + kMin);
  auto c = p.reconcile({}, fetched);
  REQUIRE(c.closed.size() == 1);
  CHECK(c.closed[0].user_id == "gone");
  CHECK(is_present(p, "late-join"));
  CHECK(is_present(p, "chatty"));
}

TEST_CASE("owncast: reconcile does not re-add a viewer who parted after the fetch") {
  Presence p;
  p.apply(ev("USER_JOINED", T0, "u1"), T0);
  const int64_t fetched = T0 + kMin;
  p.apply(ev("USER_PARTED", fetched + kSec, "u1"), fetched + kSec);
  auto c = p.reconcile({{"u1", "", false, T0}}, fetched);
  CHECK(c.closed.empty());
  CHECK_FALSE(is_present(p, "u1"));
}

TEST_CASE("owncast: restore rebuilds presence and the live session") {
  Viewer a;
  a.user_id = "u1";
  a.display_name = "alice";
  a.joined_at = T0 + kMin;
  a.last_seen_at = T0 + 2 * kMin;
  a.last_join_ts = T0 + kMin;
  a.present = true;
  Viewer b;
  b.user_id = "u2";
  b.display_name = "bob";
  b.last_part_ts = T0 + 5 * kMin;
  StreamSession live{"S7", "restored", T0, 0, 1};

  Presence p;
  p.apply(ev("USER_JOINED", T0, "stale"), T0);  // replaced by restore
  p.restore({a, b}, live);
  StreamState s = p.state();
  CHECK(s.online);
  CHECK(s.title == "restored");
  CHECK(s.started_at == T0);
  CHECK(s.current_viewers == 1);
  CHECK(s.peak_viewers == 1);
  auto pr = p.present();
  REQUIRE(pr.size() == 1);
  CHECK(pr[0].user_id == "u1");
  CHECK(pr[0].display_name == "alice");
  // Ordering state survives: an old join for u2 is still ignored.
  p.apply(ev("USER_JOINED", T0 + 4 * kMin, "u2"), T0 + 6 * kMin);
  CHECK_FALSE(is_present(p, "u2"));
  // Sessions continue against the restored stream.
  auto c = p.apply(ev("USER_PARTED", T0 + 11 * kMin, "u1"), T0 + 11 * kMin);
  REQUIRE(c.closed.size() == 1);
  CHECK(c.closed[0].stream_id == "S7");
  CHECK(c.closed[0].watch_seconds == 600);
}

TEST_CASE("owncast: restore with no live session is offline") {
  Presence p;
  p.apply(started(T0), T0);
  p.restore({}, std::nullopt);
  CHECK_FALSE(p.state().online);
  CHECK_FALSE(p.current_stream());
  CHECK(p.state().current_viewers == 0);
  // An ended session only supplies the offline title and peak.
  p.restore({}, StreamSession{"S1", "last show", T0, T0 + kMin, 9});
  CHECK_FALSE(p.state().online);
  CHECK(p.state().title == "last show");
  CHECK(p.state().peak_viewers == 9);
  CHECK(p.state().started_at == 0);
}

TEST_CASE("owncast: present() is sorted by joined_at, then user_id") {
  Presence p;
  p.apply(ev("USER_JOINED", T0 + 2 * kSec, "a"), T0);
  p.apply(ev("USER_JOINED", T0 + 1 * kSec, "c"), T0);
  p.apply(ev("USER_JOINED", T0 + 1 * kSec, "b"), T0);
  auto pr = p.present();
  REQUIRE(pr.size() == 3);
  CHECK(pr[0].user_id == "b");
  CHECK(pr[1].user_id == "c");
  CHECK(pr[2].user_id == "a");
}

TEST_CASE("owncast: events that do not concern presence change nothing") {
  Presence p;
  p.apply(started(T0), T0);
  CHECK(p.apply(parse_fixture("visibility-update.json"), T0).empty());
  CHECK(p.apply(parse_fixture("fediverse-engagement-follow.json"), T0).empty());
  CHECK(p.apply(parse_fixture("fediverse-engagement-follow.v0.3.0.json"), T0).empty());
  CHECK(p.apply(ev("FEDIVERSE_REPLY", T0, "u1", "x"), T0).empty());
  CHECK(p.apply(ev("CHAT", T0, "", "x"), T0).empty());  // no user
}

TEST_CASE("owncast: parse_clients reads the /api/integrations/clients fixture") {
  std::string body = wm::test::read_file(wm::test::fixture_dir() + "/api/clients.response.json");
  auto r = parse_clients(body);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].user_id == "-Kc9qLd7R");
  CHECK((*r)[0].display_name == "Mira \xE2\x9C\xA8");
  CHECK_FALSE((*r)[0].is_bot);
  CHECK((*r)[0].connected_at == 1777748530410023338LL);
  CHECK((*r)[1].user_id == "z8Nq2_WkR");
  CHECK((*r)[1].display_name == "Nova");
  CHECK((*r)[1].connected_at == 1777749302399871001LL);
}

TEST_CASE("owncast: parse_clients skips entries without a user and rejects non-arrays") {
  auto r = parse_clients(
      R"([{"connectedAt":"2026-05-02T12:00:00-07:00","user":{"id":"u","displayName":"b","isBot":true}},{"connectedAt":"x"},{"user":null},{"user":{"displayName":"no id"}},7,{"user":{"id":"v"},"connectedAt":"0001-01-01T00:00:00Z"}])");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].user_id == "u");
  CHECK((*r)[0].is_bot);
  CHECK((*r)[0].connected_at == 1777748400LL * kSec);
  CHECK((*r)[1].user_id == "v");
  CHECK((*r)[1].connected_at == 0);
  CHECK(parse_clients("[]")->empty());
  for (const char* bad : {"{}", "\"x\"", "null", "", "[", "unauthorized"}) {
    INFO(bad);
    auto e = parse_clients(bad);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().code == "invalid_response");
  }
}

TEST_CASE("owncast: viewer and stream records round-trip through the store format") {
  Viewer v{"u1", "alice", T0 + 1, T0 + 2, T0 + 3, T0 + 4, true};
  auto j = to_store(v);
  CHECK(j["userId"] == "u1");
  CHECK(j["joinedAt"].is_number_integer());
  CHECK(j["joinedAt"].get<int64_t>() == T0 + 1);
  CHECK(j.size() == 7);
  Viewer back = viewer_from_store(nlohmann::json::parse(j.dump()));
  CHECK(back.user_id == v.user_id);
  CHECK(back.display_name == v.display_name);
  CHECK(back.joined_at == v.joined_at);
  CHECK(back.last_seen_at == v.last_seen_at);
  CHECK(back.last_join_ts == v.last_join_ts);
  CHECK(back.last_part_ts == v.last_part_ts);
  CHECK(back.present);

  StreamSession s{"S1", "jam", T0, T0 + kMin, 17};
  auto sj = to_store(s);
  CHECK(sj.size() == 5);
  StreamSession sb = stream_from_store(nlohmann::json::parse(sj.dump()));
  CHECK(sb.id == "S1");
  CHECK(sb.title == "jam");
  CHECK(sb.started_at == T0);
  CHECK(sb.ended_at == T0 + kMin);
  CHECK(sb.peak_viewers == 17);

  ViewerSession vs{"u1", "alice", "S1", T0, T0 + kMin, 60, "parted"};
  auto vj = to_store(vs);
  CHECK(vj == nlohmann::json{{"userId", "u1"},
                             {"displayName", "alice"},
                             {"streamId", "S1"},
                             {"joinedAt", T0},
                             {"leftAt", T0 + kMin},
                             {"watchSeconds", 60},
                             {"reason", "parted"}});
}

TEST_CASE("owncast: store records with missing or mistyped keys load with defaults") {
  Viewer v = viewer_from_store(nlohmann::json::parse(R"({"userId":"u1","joinedAt":"soon"})"));
  CHECK(v.user_id == "u1");
  CHECK(v.display_name.empty());
  CHECK(v.joined_at == 0);
  CHECK(v.last_part_ts == 0);
  CHECK_FALSE(v.present);
  Viewer none = viewer_from_store(nlohmann::json::object());
  CHECK(none.user_id.empty());
  Viewer not_obj = viewer_from_store(nlohmann::json::array());
  CHECK(not_obj.user_id.empty());
  StreamSession s = stream_from_store(nlohmann::json::parse(R"({"id":"S1","peakViewers":-3})"));
  CHECK(s.id == "S1");
  CHECK(s.title.empty());
  CHECK(s.started_at == 0);
  CHECK(s.ended_at == 0);
  CHECK(s.peak_viewers == 0);
  CHECK(stream_from_store(nullptr).id.empty());
}

TEST_CASE("owncast: every fixture replays through Presence in file order") {
  Presence p;
  int64_t received = T0;
  for (const auto& [file, body] : wm::test::webhook_fixtures()) {
    INFO(file);
    auto e = parse_event(body);
    REQUIRE(e.ok());
    received += kSec;
    auto c = p.apply(e.value(), received);
    for (const auto& s : c.closed) CHECK(s.watch_seconds >= 0);
    CHECK(p.state().current_viewers >= 0);
  }
  // File order ends with user-joined, user-parted: nobody is left present and the stream
  // (started, then stopped) is offline with the last title.
  StreamState s = p.state();
  CHECK_FALSE(s.online);
  CHECK(s.current_viewers == 0);
  CHECK(s.started_at == 0);
  CHECK(s.title == "Friday synth jam \xF0\x9F\x8E\xB9 \xE2\x80\x94 tips unlock the 303!");
  CHECK(s.peak_viewers == 2);
  CHECK(p.present().empty());
}

TEST_CASE("owncast: fixtures replayed in event-time order give a consistent session history") {
  std::vector<Event> events;
  for (const auto& [file, body] : wm::test::webhook_fixtures()) {
    auto e = parse_event(body);
    REQUIRE(e.ok());
    events.push_back(e.value());
  }
  // NAME_CHANGE has no time; place it at its nameChangedAt (19:20:11.73).
  const int64_t rename_at = 1777749611730114582LL;
  auto when = [&](const Event& e) { return e.event_time_ns != 0 ? e.event_time_ns : rename_at; };
  std::stable_sort(events.begin(), events.end(),
                   [&](const Event& a, const Event& b) { return when(a) < when(b); });
  Presence p;
  std::vector<ViewerSession> closed;
  int peak_seen = 0;
  for (const auto& e : events) {
    auto c = p.apply(e, when(e));
    closed.insert(closed.end(), c.closed.begin(), c.closed.end());
    peak_seen = std::max(peak_seen, p.state().current_viewers);
    if (e.type == "USER_PARTED") {
      CHECK(find_viewer(c.viewers, "z8Nq2_WkR") != nullptr);
    }
  }
  CHECK(peak_seen == 3);
  StreamState s = p.state();
  CHECK_FALSE(s.online);
  CHECK(s.current_viewers == 0);
  CHECK(s.peak_viewers == 3);
  REQUIRE(closed.size() == 3);
  // Nova joined at 19:15:02.40, renamed, and parted at 19:41:18.78.
  CHECK(closed[0].user_id == "z8Nq2_WkR");
  CHECK(closed[0].display_name == "Nova");
  CHECK(closed[0].reason == "parted");
  CHECK(closed[0].stream_id == "Wt0kptnVR");
  CHECK(closed[0].watch_seconds == 1576);
  for (size_t i = 1; i < closed.size(); ++i) {
    CHECK(closed[i].reason == "stream_stopped");
    CHECK(closed[i].stream_id == "Wt0kptnVR");
    CHECK(closed[i].left_at == 1777755764912004361LL);
  }
}
