// Webhook parsing (every fixture, 0.1.x shapes, malformed bodies) and 0.3.0 signatures.
#include "owncast/event.h"

#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>

#include "core/crypto.h"
#include "support/test_support.h"

using namespace wm::owncast;

namespace {

std::string fixture(const std::string& name) {
  for (const auto& [file, body] : wm::test::webhook_fixtures()) {
    if (file == name) return body;
  }
  FAIL("missing fixture " << name);
  return {};
}

Event parse_ok(const std::string& body) {
  auto r = parse_event(body);
  INFO(body);
  REQUIRE(r.ok());
  return r.value();
}

std::string parse_err(const std::string& body) {
  auto r = parse_event(body);
  INFO(body);
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(r.error().message.empty());
  return r.error().code;
}

// UTC nanoseconds of the fixture timestamps (computed independently).
constexpr int64_t kChatTs = 1777749271482917263LL;        // 2026-05-02T19:14:31.482917263Z
constexpr int64_t kChatHtmlTs = 1777749362900170000LL;    // 2026-05-02T19:16:02.90017Z
constexpr int64_t kChatModTs = 1777749465000418551LL;     // 2026-05-02T19:17:45.000418551Z
constexpr int64_t kJoinedTs = 1777749302402913558LL;      // 2026-05-02T19:15:02.402913558Z
constexpr int64_t kPartedTs = 1777750878777302147LL;      // 2026-05-02T19:41:18.777302147Z
constexpr int64_t kStartedTs = 1777748407004318226LL;     // 2026-05-02T19:00:07.004318226Z
constexpr int64_t kStoppedTs = 1777755764912004361LL;     // 2026-05-02T21:02:44.912004361Z
constexpr int64_t kTitleTs = 1777750200251006637LL;       // 2026-05-02T19:30:00.251006637Z
constexpr int64_t kVisibilityTs = 1777749489310771902LL;  // 2026-05-02T19:18:09.310771902Z
constexpr int64_t kFollowTs = 1777749760118006252LL;      // 2026-05-02T19:22:40.118006252Z

const std::string kTitle = "Friday synth jam \xF0\x9F\x8E\xB9";  // "Friday synth jam 🎹"

struct Expect {
  std::string type;
  std::string id;
  int64_t ts;
  std::optional<std::string> user_id;
  std::string display_name;
};

}  // namespace

TEST_CASE("owncast: every webhook fixture parses with the expected type, id, time and user") {
  const std::map<std::string, Expect> expected = {
      {"chat.json", {"CHAT", "Xa9kP2mQg", kChatTs, "hT3vW0Rzg", "quiet-otter"}},
      {"chat-html-emoji.json", {"CHAT", "k2Vd9-rTg", kChatHtmlTs, "hT3vW0Rzg", "quiet-otter"}},
      {"chat-moderator-authenticated.json",
       {"CHAT", "pQ7_x3LmR", kChatModTs, "-Kc9qLd7R", "Mira \xE2\x9C\xA8"}},
      {"fediverse-engagement-follow.json",
       {"FEDIVERSE_ENGAGEMENT_FOLLOW", "AqilY4hDR", kFollowTs, std::nullopt, ""}},
      {"fediverse-engagement-follow.v0.3.0.json",
       {"FEDIVERSE_ENGAGEMENT_FOLLOW", "AqilY4hDR", kFollowTs, std::nullopt, ""}},
      {"name-change.json", {"NAME_CHANGE", "", 0, "z8Nq2_WkR", "Nova"}},
      {"stream-started.json", {"STREAM_STARTED", "Wt0kptnVR", kStartedTs, std::nullopt, ""}},
      {"stream-stopped.json", {"STREAM_STOPPED", "YP-aptn4g", kStoppedTs, std::nullopt, ""}},
      {"stream-title-updated.json",
       {"STREAM_TITLE_UPDATED", "DmeikEf4Rz", kTitleTs, std::nullopt, ""}},
      {"user-joined.json", {"USER_JOINED", "tQ2m8XyRg", kJoinedTs, "z8Nq2_WkR", "glowing-finch"}},
      {"user-parted.json", {"USER_PARTED", "Fj3kq9WmR", kPartedTs, "z8Nq2_WkR", "Nova"}},
      {"visibility-update.json",
       {"VISIBILITY-UPDATE", "8kR2pQmVg", kVisibilityTs, std::nullopt, ""}},
  };
  const auto fixtures = wm::test::webhook_fixtures();
  REQUIRE(fixtures.size() == expected.size());
  for (const auto& [file, body] : fixtures) {
    INFO(file);
    auto it = expected.find(file);
    REQUIRE(it != expected.end());
    const Expect& x = it->second;
    Event e = parse_ok(body);
    CHECK(e.type == x.type);
    CHECK(e.id == x.id);
    CHECK(e.event_time_ns == x.ts);
    CHECK(e.data.is_object());
    CHECK_FALSE(e.data.empty());
    REQUIRE(e.user.has_value() == x.user_id.has_value());
    if (e.user) {
      CHECK(e.user->id == *x.user_id);
      CHECK(e.user->display_name == x.display_name);
      CHECK_FALSE(e.user->is_bot);
    }
    bool known = false;
    for (const auto& t : known_event_types()) known = known || t == e.type;
    CHECK(known);
  }
}

TEST_CASE("owncast: CHAT fixture extracts clientId, title and online status") {
  Event e = parse_ok(fixture("chat.json"));
  REQUIRE(e.client_id.has_value());
  CHECK(*e.client_id == 12u);
  CHECK(e.stream_title == kTitle);
  REQUIRE(e.status_online.has_value());
  CHECK(*e.status_online);
  CHECK(e.data["rawBody"] == "hey everyone! loving this set");

  Event mod = parse_ok(fixture("chat-moderator-authenticated.json"));
  REQUIRE(mod.client_id.has_value());
  CHECK(*mod.client_id == 3u);
}

TEST_CASE("owncast: CHAT HTML escapes are decoded into data and clientId stays numeric") {
  Event e = parse_ok(fixture("chat-html-emoji.json"));
  REQUIRE(e.client_id.has_value());
  CHECK(*e.client_id == 12u);
  const std::string raw = e.data["rawBody"].get<std::string>();
  CHECK(raw.find("<script>alert(1)</script>") != std::string::npos);
  CHECK(raw.find(" & ") != std::string::npos);
}

TEST_CASE("owncast: clientId omitted (0) or not a non-negative integer is not extracted") {
  CHECK_FALSE(parse_ok(fixture("user-joined.json")).client_id.has_value());
  CHECK_FALSE(parse_ok(R"({"eventData":{"clientId":-1},"type":"CHAT"})").client_id.has_value());
  CHECK_FALSE(parse_ok(R"({"eventData":{"clientId":"12"},"type":"CHAT"})").client_id.has_value());
  CHECK_FALSE(parse_ok(R"({"eventData":{"clientId":1.5},"type":"CHAT"})").client_id.has_value());
  auto zero = parse_ok(R"({"eventData":{"clientId":0},"type":"CHAT"})").client_id;
  REQUIRE(zero.has_value());
  CHECK(*zero == 0u);
  auto big = parse_ok(R"({"eventData":{"clientId":18446744073709551615},"type":"CHAT"})").client_id;
  REQUIRE(big.has_value());
  CHECK(*big == 18446744073709551615ULL);
}

TEST_CASE("owncast: NAME_CHANGE fixture has empty id, zero time, sanitised name and newName") {
  Event e = parse_ok(fixture("name-change.json"));
  CHECK(e.id.empty());
  CHECK(e.event_time_ns == 0);
  CHECK(e.new_name == "Nova");
  REQUIRE(e.user);
  CHECK(e.user->display_name == "Nova");
  CHECK_FALSE(dedupe_applies(e));
}

TEST_CASE("owncast: STREAM_STARTED fixture is offline in status but carries the title") {
  Event e = parse_ok(fixture("stream-started.json"));
  REQUIRE(e.status_online.has_value());
  CHECK_FALSE(*e.status_online);
  CHECK(e.stream_title == kTitle);
  CHECK_FALSE(e.user.has_value());
  CHECK(dedupe_applies(e));
}

TEST_CASE("owncast: STREAM_STOPPED and STREAM_TITLE_UPDATED fixtures") {
  Event stop = parse_ok(fixture("stream-stopped.json"));
  REQUIRE(stop.status_online.has_value());
  CHECK_FALSE(*stop.status_online);
  CHECK(stop.stream_title == kTitle);
  CHECK(stop.data["status"]["lastConnectTime"].is_null());

  Event title = parse_ok(fixture("stream-title-updated.json"));
  CHECK(title.stream_title == kTitle + " \xE2\x80\x94 tips unlock the 303!");
  REQUIRE(title.status_online.has_value());
  CHECK(*title.status_online);
}

TEST_CASE("owncast: STREAM_* title comes from eventData.streamTitle, not status") {
  Event e = parse_ok(
      R"({"eventData":{"status":{"streamTitle":"old","online":true},"streamTitle":"new"},"type":"STREAM_TITLE_UPDATED"})");
  CHECK(e.stream_title == "new");
  // Non-stream events only have status.streamTitle.
  Event c = parse_ok(
      R"({"eventData":{"status":{"streamTitle":"from status"},"streamTitle":"ignored"},"type":"CHAT"})");
  CHECK(c.stream_title == "from status");
  // A stream event without its own streamTitle falls back to the status one.
  Event s = parse_ok(R"({"eventData":{"status":{"streamTitle":"st"}},"type":"STREAM_STOPPED"})");
  CHECK(s.stream_title == "st");
}

TEST_CASE("owncast: VISIBILITY-UPDATE fixture has a null user") {
  Event e = parse_ok(fixture("visibility-update.json"));
  CHECK_FALSE(e.user.has_value());
  CHECK(e.data["user"].is_null());
  CHECK(e.data["visible"] == false);
  CHECK(e.data["ids"] == nlohmann::json::array({"k2Vd9-rTg"}));
  CHECK(dedupe_applies(e));
}

TEST_CASE("owncast: FEDIVERSE_ENGAGEMENT_FOLLOW fixtures (0.2.x and 0.3.0) have no user") {
  for (const char* f :
       {"fediverse-engagement-follow.json", "fediverse-engagement-follow.v0.3.0.json"}) {
    INFO(f);
    Event e = parse_ok(fixture(f));
    CHECK(e.type == "FEDIVERSE_ENGAGEMENT_FOLLOW");
    CHECK_FALSE(e.user.has_value());
    CHECK_FALSE(e.status_online.has_value());
    CHECK(e.stream_title.empty());
    CHECK(e.data["username"] == "dana@mastodon.example");
  }
  CHECK_FALSE(parse_ok(fixture("fediverse-engagement-follow.json")).data.contains("serverURL"));
  CHECK(parse_ok(fixture("fediverse-engagement-follow.v0.3.0.json")).data["serverURL"] ==
        "https://live.example.net");
}

TEST_CASE("owncast: RFC 3339 timestamps with offsets are converted to UTC") {
  Event minus = parse_ok(
      R"({"eventData":{"id":"a","timestamp":"2026-05-02T12:14:31.482917263-07:00"},"type":"CHAT"})");
  CHECK(minus.event_time_ns == kChatTs);
  Event plus = parse_ok(
      R"({"eventData":{"id":"a","timestamp":"2026-05-02T21:44:31.482917263+02:30"},"type":"CHAT"})");
  CHECK(plus.event_time_ns == kChatTs);
  Event whole = parse_ok(R"({"eventData":{"timestamp":"1970-01-01T01:00:01+01:00"},"type":"X"})");
  CHECK(whole.event_time_ns == 1000000000LL);
}

TEST_CASE("owncast: zero, invalid or non-string timestamps give 0") {
  CHECK(parse_ok(R"({"eventData":{"timestamp":"0001-01-01T00:00:00Z"},"type":"CHAT"})")
            .event_time_ns == 0);
  CHECK(parse_ok(R"({"eventData":{"timestamp":"yesterday"},"type":"CHAT"})").event_time_ns == 0);
  CHECK(parse_ok(R"({"eventData":{"timestamp":1777749271},"type":"CHAT"})").event_time_ns == 0);
  CHECK(parse_ok(R"({"eventData":{},"type":"CHAT"})").event_time_ns == 0);
}

TEST_CASE("owncast: 0.1.x CHAT without status or serverURL") {
  Event e = parse_ok(
      R"({"eventData":{"user":{"id":"u1","displayName":"old-timer","displayColor":42,"createdAt":"2021-06-01T10:00:00Z","previousNames":["old-timer"]},"body":"\u003cp\u003ehi\u003c/p\u003e","rawBody":"hi","id":"m1","visible":true,"timestamp":"2021-06-01T10:05:00.5Z"},"type":"CHAT"})");
  CHECK(e.type == "CHAT");
  CHECK(e.id == "m1");
  CHECK(e.event_time_ns == 1622541900500000000LL);
  REQUIRE(e.user);
  CHECK(e.user->id == "u1");
  CHECK(e.user->display_name == "old-timer");
  CHECK_FALSE(e.user->is_bot);
  CHECK(e.stream_title.empty());
  CHECK_FALSE(e.status_online.has_value());
  CHECK_FALSE(e.client_id.has_value());
}

TEST_CASE("owncast: 0.1.x USER_JOINED carries clientId and no status") {
  Event e = parse_ok(
      R"({"eventData":{"timestamp":"2021-06-01T10:00:00.123-04:00","id":"ev1","user":{"id":"u2","displayName":"x"},"clientId":7},"type":"USER_JOINED"})");
  CHECK(e.id == "ev1");
  CHECK(e.event_time_ns == 1622556000123000000LL);
  REQUIRE(e.user);
  CHECK(e.user->id == "u2");
  REQUIRE(e.client_id.has_value());
  CHECK(*e.client_id == 7u);
  CHECK_FALSE(e.status_online.has_value());
}

TEST_CASE("owncast: 0.1.x NAME_CHANGE with newName and populated id") {
  Event e = parse_ok(
      R"({"eventData":{"timestamp":"2021-06-01T10:00:00Z","id":"n1","user":{"id":"u2","displayName":"after"},"clientId":3,"newName":"after"},"type":"NAME_CHANGE"})");
  CHECK(e.id == "n1");
  CHECK(e.new_name == "after");
  CHECK_FALSE(dedupe_applies(e));
}

TEST_CASE("owncast: 0.1.x VISIBILITY-UPDATE with capitalised MessageIDs and Visible stays raw") {
  Event e = parse_ok(
      R"({"eventData":{"timestamp":"2021-06-01T10:00:00Z","id":"v1","user":null,"body":"","MessageIDs":["a","b"],"Visible":false},"type":"VISIBILITY-UPDATE"})");
  CHECK(e.id == "v1");
  CHECK_FALSE(e.user.has_value());
  CHECK(e.data["MessageIDs"] == nlohmann::json::array({"a", "b"}));
  CHECK(e.data["Visible"] == false);
  CHECK_FALSE(e.data.contains("ids"));
}

TEST_CASE("owncast: 0.1.x STREAM_STARTED with status but no serverURL") {
  Event e = parse_ok(
      R"({"eventData":{"id":"s1","name":"srv","status":{"online":false,"streamTitle":"t0","viewerCount":0},"streamTitle":"t1","summary":"","timestamp":"2023-03-01T20:00:00Z"},"type":"STREAM_STARTED"})");
  CHECK(e.id == "s1");
  CHECK(e.stream_title == "t1");
  REQUIRE(e.status_online.has_value());
  CHECK_FALSE(*e.status_online);
}

TEST_CASE("owncast: unknown event types and unknown keys are accepted") {
  Event e = parse_ok(
      R"({"eventData":{"id":"q","timestamp":"2026-05-02T19:14:31.482917263Z","wat":[1,2,{"x":null}]},"type":"FEDIVERSE_REPLY","extra":true})");
  CHECK(e.type == "FEDIVERSE_REPLY");
  CHECK(e.id == "q");
  CHECK(e.event_time_ns == kChatTs);
  CHECK(e.data["wat"].size() == 3);
  for (const auto& t : known_event_types()) CHECK(t != e.type);
}

TEST_CASE("owncast: missing or null eventData gives an empty data object") {
  Event a = parse_ok(R"({"type":"PING"})");
  CHECK(a.data.is_object());
  CHECK(a.data.empty());
  CHECK(a.id.empty());
  CHECK_FALSE(a.user.has_value());
  Event b = parse_ok(R"({"eventData":null,"type":"CHAT"})");
  CHECK(b.data.is_object());
  CHECK(b.data.empty());
}

TEST_CASE("owncast: malformed JSON is rejected as invalid_json") {
  for (const char* body :
       {"", "{", "{\"type\":\"CHAT\",}", "nope", "{\"type\":\"CHAT\"} trailing", "\xff\xfe"}) {
    CHECK(parse_err(body) == "invalid_json");
  }
}

TEST_CASE("owncast: JSON that is not an object envelope is rejected as not_object") {
  CHECK(parse_err("[]") == "not_object");
  CHECK(parse_err(R"([{"type":"CHAT"}])") == "not_object");
  CHECK(parse_err(R"("CHAT")") == "not_object");
  CHECK(parse_err("42") == "not_object");
  CHECK(parse_err("null") == "not_object");
}

TEST_CASE("owncast: missing or non-string type is rejected as not_object") {
  CHECK(parse_err(R"({"eventData":{}})") == "not_object");
  CHECK(parse_err(R"({"type":7})") == "not_object");
  CHECK(parse_err(R"({"type":null})") == "not_object");
  CHECK(parse_err(R"({"type":["CHAT"]})") == "not_object");
}

TEST_CASE("owncast: eventData that is not an object is rejected as not_object") {
  CHECK(parse_err(R"({"eventData":[],"type":"CHAT"})") == "not_object");
  CHECK(parse_err(R"({"eventData":"x","type":"CHAT"})") == "not_object");
  CHECK(parse_err(R"({"eventData":1,"type":"CHAT"})") == "not_object");
  CHECK(parse_err(R"({"eventData":false,"type":"CHAT"})") == "not_object");
}

TEST_CASE("owncast: numeric ids are not coerced to strings") {
  Event e = parse_ok(R"({"eventData":{"id":12345,"user":{"id":42}},"type":"CHAT"})");
  CHECK(e.id.empty());
  CHECK_FALSE(e.user.has_value());
  CHECK_FALSE(dedupe_applies(e));
}

TEST_CASE("owncast: user needs to be an object with a string id") {
  CHECK_FALSE(parse_ok(R"({"eventData":{"user":"u1"},"type":"CHAT"})").user.has_value());
  CHECK_FALSE(
      parse_ok(R"({"eventData":{"user":{"displayName":"x"}},"type":"CHAT"})").user.has_value());
  Event bot =
      parse_ok(R"({"eventData":{"user":{"id":"b","displayName":7,"isBot":true}},"type":"CHAT"})");
  REQUIRE(bot.user);
  CHECK(bot.user->id == "b");
  CHECK(bot.user->display_name.empty());
  CHECK(bot.user->is_bot);
}

TEST_CASE("owncast: known_event_types lists the nine delivered types in order") {
  const std::vector<std::string> want = {
      "CHAT",           "USER_JOINED",          "USER_PARTED",
      "NAME_CHANGE",    "VISIBILITY-UPDATE",    "STREAM_STARTED",
      "STREAM_STOPPED", "STREAM_TITLE_UPDATED", "FEDIVERSE_ENGAGEMENT_FOLLOW"};
  CHECK(known_event_types() == want);
}

TEST_CASE("owncast: dedupe applies to every type except NAME_CHANGE, and only with an id") {
  Event e;
  e.type = "CHAT";
  CHECK_FALSE(dedupe_applies(e));
  e.id = "x";
  CHECK(dedupe_applies(e));
  e.type = "NAME_CHANGE";
  CHECK_FALSE(dedupe_applies(e));
  e.type = "SOMETHING_NEW";
  CHECK(dedupe_applies(e));
}

// --- signatures ---

namespace {
const int64_t kNow = 1777749271;
const std::string kSecret = "whsec-test-secret";
}  // namespace

TEST_CASE("owncast: sign produces t=<t>.s=<lowercase hex HMAC>") {
  const std::string body = fixture("chat.json");
  const std::string h = sign(body, kSecret, kNow);
  const std::string mac =
      wm::crypto::hex(wm::crypto::hmac_sha256(kSecret, std::to_string(kNow) + "." + body));
  CHECK(h == "t=" + std::to_string(kNow) + ".s=" + mac);
  CHECK(h.size() == 2 + 10 + 3 + 64);
  for (char c : h.substr(15)) CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
}

TEST_CASE("owncast: a valid signature verifies, also with upper-case hex and inside the window") {
  const std::string body = fixture("chat.json");
  const std::string h = sign(body, kSecret, kNow);
  CHECK(verify_signature(h, body, kSecret, kNow) == SignatureCheck::ok);
  CHECK(verify_signature(h, body, kSecret, kNow + 300) == SignatureCheck::ok);
  CHECK(verify_signature(h, body, kSecret, kNow - 300) == SignatureCheck::ok);
  std::string upper = h;
  for (size_t i = 15; i < upper.size(); ++i) {
    if (upper[i] >= 'a' && upper[i] <= 'f') upper[i] = static_cast<char>(upper[i] - 'a' + 'A');
  }
  CHECK(verify_signature(upper, body, kSecret, kNow) == SignatureCheck::ok);
  CHECK(std::string(to_string(SignatureCheck::ok)) == "ok");
}

TEST_CASE("owncast: a known HMAC vector verifies") {
  // HMAC-SHA256("key", "1700000000.{}"), computed independently (Python hmac module).
  const std::string body = "{}";
  const std::string mac = "9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae";
  CHECK(verify_signature("t=1700000000.s=" + mac, body, "key", 1700000000) == SignatureCheck::ok);
  CHECK(sign(body, "key", 1700000000) == "t=1700000000.s=" + mac);
  // RFC 4231 test case 2 for the HMAC primitive itself.
  CHECK(wm::crypto::hex(wm::crypto::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("owncast: signatures older or newer than the window are stale") {
  const std::string body = fixture("chat.json");
  const std::string h = sign(body, kSecret, kNow);
  CHECK(verify_signature(h, body, kSecret, kNow + 301) == SignatureCheck::stale);
  CHECK(verify_signature(h, body, kSecret, kNow - 301) == SignatureCheck::stale);
  CHECK(verify_signature(h, body, kSecret, kNow + 61, 60) == SignatureCheck::stale);
  CHECK(verify_signature(h, body, kSecret, kNow + 60, 60) == SignatureCheck::ok);
  CHECK(verify_signature(sign(body, kSecret, 0), body, kSecret, kNow) == SignatureCheck::stale);
  CHECK(std::string(to_string(SignatureCheck::stale)) == "stale");
}

TEST_CASE("owncast: a tampered body does not verify") {
  const std::string body = fixture("chat.json");
  const std::string h = sign(body, kSecret, kNow);
  std::string tampered = body;
  tampered[tampered.size() / 2] ^= 1;
  CHECK(verify_signature(h, tampered, kSecret, kNow) == SignatureCheck::mismatch);
  CHECK(verify_signature(h, body + " ", kSecret, kNow) == SignatureCheck::mismatch);
  CHECK(verify_signature(h, "", kSecret, kNow) == SignatureCheck::mismatch);
  CHECK(std::string(to_string(SignatureCheck::mismatch)) == "mismatch");
}

TEST_CASE("owncast: a wrong secret or a changed timestamp does not verify") {
  const std::string body = fixture("chat.json");
  const std::string h = sign(body, kSecret, kNow);
  CHECK(verify_signature(h, body, "other-secret", kNow) == SignatureCheck::mismatch);
  CHECK(verify_signature(h, body, "", kNow) == SignatureCheck::mismatch);
  // Same MAC presented with another t.
  std::string moved = "t=" + std::to_string(kNow + 1) + h.substr(12);
  CHECK(verify_signature(moved, body, kSecret, kNow) == SignatureCheck::mismatch);
  // A flipped hex digit in the MAC.
  std::string flipped = h;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  CHECK(verify_signature(flipped, body, kSecret, kNow) == SignatureCheck::mismatch);
}

TEST_CASE("owncast: an empty signature header is missing") {
  CHECK(verify_signature("", "{}", kSecret, kNow) == SignatureCheck::missing);
  CHECK(std::string(to_string(SignatureCheck::missing)) == "missing");
}

TEST_CASE("owncast: malformed signature headers are rejected") {
  const std::string body = fixture("chat.json");
  const std::string good = sign(body, kSecret, kNow);
  const std::string t = std::to_string(kNow);
  const std::string mac = good.substr(15);
  const std::vector<std::string> bad = {
      " ",
      "t=",
      "s=" + mac,
      "t=" + t,
      "t=" + t + ".s=",
      "t=" + t + ".s=" + mac.substr(1),            // 63 hex digits
      "t=" + t + ".s=" + mac + "0",                // 65
      "t=" + t + ".s=" + mac + mac,                // 128
      "t=" + t + ".s=" + mac.substr(0, 63) + "g",  // not hex
      "t=" + t + ".s=" + mac.substr(0, 63) + " ",
      "t=" + t + ",s=" + mac,  // comma (Stripe style)
      "t=" + t + ". s=" + mac,
      "t=" + t + " .s=" + mac,
      "t=" + t + "s=" + mac,
      "t=" + t + ".v1=" + mac,
      "T=" + t + ".s=" + mac,
      "t=" + t + ".S=" + mac,
      "t=-" + t + ".s=" + mac,
      "t=+" + t + ".s=" + mac,
      "t=" + t + "x.s=" + mac,
      "t=.s=" + mac,
      "t=1e9.s=" + mac,
      "t=1234567890123456789012.s=" + mac,  // absurdly long number
      " t=" + t + ".s=" + mac,
      good + " ",
      good + ".",
      good + ".s=" + mac,
      "s=" + mac + ".t=" + t,
      "t=" + t + ".s=0x" + mac.substr(2),
      std::string("t=") + t + ".s=" + std::string(63, 'a') + '\0',
      "garbage",
  };
  for (const auto& h : bad) {
    INFO("header: " << h);
    CHECK(verify_signature(h, body, kSecret, kNow) == SignatureCheck::malformed);
  }
  CHECK(std::string(to_string(SignatureCheck::malformed)) == "malformed");
}

TEST_CASE("owncast: signature is checked over the exact raw fixture bytes") {
  for (const auto& [file, body] : wm::test::webhook_fixtures()) {
    INFO(file);
    const std::string h = sign(body, kSecret, kNow);
    CHECK(verify_signature(h, body, kSecret, kNow) == SignatureCheck::ok);
    // Re-serialising the JSON changes the bytes (escaping, key order) and breaks the MAC.
    auto reserialised = nlohmann::json::parse(body).dump();
    if (reserialised != body) {
      CHECK(verify_signature(h, reserialised, kSecret, kNow) == SignatureCheck::mismatch);
    }
  }
}
