// The one table of Owncast event types (owncast/event_kinds.h): it covers every delivered type,
// and parsing, dedupe and presence follow it.
#include <catch2/catch.hpp>

#include <set>

#include "owncast/event.h"
#include "owncast/event_kinds.h"
#include "owncast/presence.h"
#include "support/test_support.h"

using namespace wm::owncast;

TEST_CASE("owncast kinds: every type in known_event_types() has its own row, in order") {
  const auto& types = known_event_types();
  REQUIRE(types.size() == known_kinds().size());
  std::set<EventKind> kinds;
  for (size_t i = 0; i < types.size(); ++i) {
    INFO(types[i]);
    const EventKindInfo& k = kind_info(types[i]);
    CHECK(k.kind != EventKind::unknown);
    CHECK(k.type == types[i]);
    CHECK(known_kinds()[i].type == types[i]);
    CHECK(&kind_info(k.kind) == &k);  // kind -> row -> kind round-trips
    kinds.insert(k.kind);
  }
  CHECK(kinds.size() == types.size());  // no two types share a kind
}

TEST_CASE("owncast kinds: effects, dedupe and time rules of each delivered type") {
  using P = PresenceEffect;
  using S = StreamEffect;
  struct Want {
    const char* type;
    EventKind kind;
    bool dedupe, event_time;
    P presence;
    S stream;
  };
  const Want want[] = {
      {"CHAT", EventKind::chat, true, true, P::seen, S::none},
      {"USER_JOINED", EventKind::user_joined, true, true, P::joined, S::none},
      {"USER_PARTED", EventKind::user_parted, true, true, P::left, S::none},
      {"NAME_CHANGE", EventKind::name_change, false, false, P::rename, S::none},
      {"VISIBILITY-UPDATE", EventKind::visibility_update, true, true, P::none, S::none},
      {"STREAM_STARTED", EventKind::stream_started, true, true, P::none, S::started},
      {"STREAM_STOPPED", EventKind::stream_stopped, true, true, P::none, S::stopped},
      {"STREAM_TITLE_UPDATED", EventKind::stream_title_updated, true, true, P::none, S::title},
      {"FEDIVERSE_ENGAGEMENT_FOLLOW", EventKind::follow, true, true, P::none, S::none},
  };
  for (const auto& w : want) {
    INFO(w.type);
    const EventKindInfo& k = kind_info(w.type);
    CHECK(k.kind == w.kind);
    CHECK(k.dedupe == w.dedupe);
    CHECK(k.event_time == w.event_time);
    CHECK(k.presence == w.presence);
    CHECK(k.stream == w.stream);
    CHECK(k.title_in_data == (w.stream != S::none));
  }
}

TEST_CASE("owncast kinds: an unknown type is accepted, deduped, and changes nothing") {
  const EventKindInfo& k = kind_info("SOMETHING_NEW");
  CHECK(k.kind == EventKind::unknown);
  CHECK(k.dedupe);
  CHECK(k.presence == PresenceEffect::none);
  CHECK(k.stream == StreamEffect::none);
  CHECK(kind_info("chat").kind == EventKind::unknown);  // types are case-sensitive

  auto e = parse_event(R"({"type":"SOMETHING_NEW","eventData":{"id":"n1","user":{"id":"u1","displayName":"A"}}})");
  REQUIRE(e);
  CHECK(dedupe_applies(*e));
  Presence p;
  CHECK(p.apply(*e, 1000).empty());
  CHECK(p.present().empty());
}

TEST_CASE("owncast kinds: a follow's name and account are parsed from both fixture shapes") {
  for (const char* f : {"fediverse-engagement-follow.json", "fediverse-engagement-follow.v0.3.0.json"}) {
    INFO(f);
    auto e = parse_event(wm::test::read_file(wm::test::fixture_dir() + "/" + f));
    REQUIRE(e);
    CHECK(e->follower_name == "Dana 🦣");
    CHECK(e->follower_account == "dana@mastodon.example");
    CHECK(e->id == "AqilY4hDR");
  }
  // Only follows carry them.
  auto chat = parse_event(R"({"type":"CHAT","eventData":{"name":"x","username":"y@z"}})");
  REQUIRE(chat);
  CHECK(chat->follower_name.empty());
  CHECK(chat->follower_account.empty());
}
