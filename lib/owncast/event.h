// Owncast webhook events: parsing every shape Owncast sends (0.1.x - 0.3.0) and
// verifying Owncast 0.3.0 webhook signatures.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace wm::owncast {

struct User {
  std::string id;
  std::string display_name;
  bool is_bot = false;
};

struct Event {
  std::string type;              // exactly as sent ("CHAT", "USER_JOINED", unknown types too)
  std::string id;                // eventData.id as a string; "" when absent or not a string
  int64_t event_time_ns = 0;     // eventData.timestamp in UTC ns; 0 when absent, invalid or Go's zero time
  std::optional<User> user;      // eventData.user when it is an object with a string id
  nlohmann::json data = nlohmann::json::object();  // eventData as received (object; {} if absent)

  // Extracted for convenience (empty/nullopt when not present):
  std::string stream_title;      // STREAM_*: eventData.streamTitle, else status.streamTitle
  bool has_stream_title = false; // a title was present (so "" is a real, empty title)
  std::string new_name;          // NAME_CHANGE: eventData.newName (raw)
  std::optional<uint64_t> client_id;  // eventData.clientId (the only numeric id)
  std::optional<bool> status_online;  // eventData.status.online, informational only
  std::string follower_name;     // FEDIVERSE_ENGAGEMENT_FOLLOW: eventData.name
  std::string follower_account;  // FEDIVERSE_ENGAGEMENT_FOLLOW: eventData.username ("user@host")
};

// Store keys are built from these (LMDB refuses keys over 511 bytes), so longer values are
// refused at parse time. Owncast's own are under 40 bytes.
inline constexpr size_t kMaxTypeBytes = 64;   // "type"
inline constexpr size_t kMaxIdBytes = 256;    // "eventData.id", "eventData.user.id"

// Parses a webhook body. Errors: code "invalid_json" (not JSON), "too_deep" (objects/arrays
// nested deeper than json_limits::kMaxDepth), "field_too_long" (type or an id over the caps
// above) or "not_object" (JSON but the envelope is not an object, or "type" is missing / not a
// string, or eventData is present and not an object). Unknown types and unknown keys are accepted.
Result<Event> parse_event(std::string_view body);

// The event types Owncast delivers to webhooks (0.2.5 + develop), in a stable order: the type
// strings of the table in event_kinds.h.
const std::vector<std::string>& known_event_types();

// Whether (type, id) identifies a delivery for dedupe: when the id is non-empty and the type's
// row in event_kinds.h says so (every type except NAME_CHANGE; unknown types too).
bool dedupe_applies(const Event& e);

// Owncast 0.3.0 signature header: "t=<unix seconds>.s=<lower-case hex HMAC-SHA256>" over
// "<t>." + raw body, keyed with the webhook secret. Compared in constant time.
enum class SignatureCheck { ok, missing, malformed, stale, mismatch };
SignatureCheck verify_signature(std::string_view header, std::string_view body,
                                std::string_view secret, int64_t now_unix, int64_t window_s = 300);
const char* to_string(SignatureCheck c);
// Builds a header value (used by tests and tools).
std::string sign(std::string_view body, std::string_view secret, int64_t t_unix);

}  // namespace wm::owncast
