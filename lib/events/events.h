// Domain events: what happened, published on the in-process bus (events/bus.h) after it was
// committed. One closed set of types; each carries a plain struct, never a store record.
//
// Public fields only: no wallet secrets, no tokens. A tip event carries the sender wallet only
// as `sender_hash` (a stable salted hash) so subscribers can group without learning it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "openpayments/money.h"

namespace wm::events {

enum class Type {
  tip_completed,    // the streamer's wallet confirmed the money (the only "money arrived" event)
  tip_failed,       // the viewer approved but the payment did not complete
  tip_denied,       // the viewer (or their wallet) refused consent
  follow_received,  // FEDIVERSE_ENGAGEMENT_FOLLOW
  stream_started,
  stream_stopped,
  viewer_joined,
  viewer_left,
  test,             // a test event sent from the admin page
  support_started,  // streaming support (lib/support): the viewer approved, payments may follow
  support_payment,  // one streaming-support payment was sent (the session's confirmed total in `paid`)
  support_stopped,  // the session ended (stopped, expired, failed)
  goal_reached,     // a goal's confirmed total first reached its target (alerts/goals.h)
  tip_cleared,      // a completed tip passed moderation (lib/moderation): show it on stream and in
                    // chat. Carries the tip with its message word-filtered; at most once per tip.
                    // Internal: not offered to outgoing webhooks (they keep tip.completed).
};
inline constexpr size_t kTypeCount = 14;

// "tip.completed", "follow", "stream.started", ... (the names webhooks and SSE use).
std::string_view name(Type t);
std::optional<Type> type_from_name(std::string_view name);

struct Tip {
  std::string tip_id;
  openpayments::Amount amount;  // what the streamer receives (empty for denied tips before a quote)
  std::string display_name;     // as typed; "" when anonymous
  bool anonymous = false;
  std::string message;          // "" when none
  std::string tier;             // tier id, "" for a custom amount
  std::string stream_id;        // Owncast stream session id when one was live, else ""
  std::string sender_hash;      // analytics::hash_sender of the sender wallet: hex HMAC-SHA256
                                // with a per-install salt (64 digits), never the address
  std::string error_code;       // tip_failed / tip_denied: the machine code
  std::string widget_stream;    // the widget's streamId the tip was sent for ("default" when none)
};

struct Follow {
  std::string event_id;  // Owncast's eventData.id
  std::string name;      // the follower's display name (eventData.name; the account when empty)
  std::string account;   // fediverse account "@user@host" (eventData.username, '@' added) or ""
};

struct Stream {
  std::string session_id;
  std::string title;
};

struct Viewer {
  std::string user_id;
  std::string display_name;
};

struct Test {
  std::string note;
};

// Streaming support (issue 14). Amounts in the streamer's asset.
struct Support {
  std::string support_id;
  std::string status;        // the session's status after the event
  openpayments::Amount rate;   // per hour
  openpayments::Amount amount; // support_payment: this payment (what the streamer receives); else empty
  openpayments::Amount paid;   // the incoming payment's receivedAmount, last read
  std::string display_name;  // "" when anonymous
  bool anonymous = false;
  std::string sender_hash;   // analytics::hash_sender of the viewer's wallet ("" when unknown)
  std::string stream_id;     // the Owncast stream session live at the event, else ""
};

struct Goal {
  std::string goal_id;
  std::string title;
  openpayments::Amount target;
  openpayments::Amount current;  // the confirmed total when the target was reached (same asset)
};

using Body = std::variant<Tip, Follow, Stream, Viewer, Test, Support, Goal>;

// An event before the bus numbered it (Bus::publish_all); at_ns 0 = now.
struct Draft {
  Type type = Type::test;
  Body body;
  int64_t at_ns = 0;
};

struct Event {
  uint64_t seq = 0;   // assigned by the bus: strictly increasing, also across restarts (journal)
  Type type = Type::test;
  int64_t at_ns = 0;  // when it happened (unix ns)
  Body body;

  const Tip* tip() const { return std::get_if<Tip>(&body); }
  const Follow* follow() const { return std::get_if<Follow>(&body); }
  const Stream* stream() const { return std::get_if<Stream>(&body); }
  const Viewer* viewer() const { return std::get_if<Viewer>(&body); }
  const Support* support() const { return std::get_if<Support>(&body); }
  const Goal* goal() const { return std::get_if<Goal>(&body); }
};

// Whether events of this type are journaled (persisted, replayable after a restart) — money and
// stream milestones are; presence is not (too frequent, only useful live).
bool durable(Type t);
// Whether outgoing webhooks may subscribe to this type (false for tip_cleared, the moderation
// pipeline's own step: webhooks receive tip.completed).
bool external(Type t);

// The body's JSON ({"tipId","amount":{value,assetCode,assetScale},...}); amounts as Open
// Payments amount objects. Used by the journal and by subscribers that serialise events.
nlohmann::json to_json(const Event& e);
// Inverse of to_json (journal replay). Errors: "invalid_event".
Result<Event> from_json(const nlohmann::json& j);

}  // namespace wm::events
