// Support events: completed tips as analytics records, in the store table "support".
//
//   "e/" + key::time_seq(at_ns, seq)      -> event JSON (time-ordered; seq breaks ties)
//   "tip/<tip_id>"                        -> that "e/" key (one event per tip, ever)
//   "s/<stream_session>\0" + time_seq     -> that "e/" key (events of one live stream session)
//   "hidden/<tip_id>"                     -> "1" (streamer hid the tip's message)
//   "meta/salt"                           -> 32 random bytes, the per-install sender-hash salt
//
// Events never hold a wallet address: senders are identified by hash_sender() only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "openpayments/money.h"
#include "store/store.h"
#include "tips/tip_service.h"

namespace wm::analytics {

struct SupportEvent {
  std::string tip_id;
  std::string stream_id;       // the widget's streamId ("default" usually)
  std::string stream_session;  // Owncast stream session id live at completion, "" when offline
  openpayments::Amount amount; // what the streamer received
  std::string sender_hash;     // see hash_sender (64 lowercase hex digits)
  std::string display_name;    // as typed (may be empty)
  bool anonymous = false;
  std::string message;         // for the dashboard's "last tips" (never for public overlays when hidden)
  int64_t at_ns = 0;
};

// Hex HMAC-SHA256 of the wallet address with a per-install salt (random 32 bytes created on first
// use in table "support" key "meta/salt"), so analytics can count unique supporters without
// storing addresses. The address is hashed exactly as given: pass the wallet address id
// (TipRecord::sender_wallet, as the sender's wallet reported it).
Result<std::string> hash_sender(store::Store& store, std::string_view wallet_address);

// Idempotent per tip_id (a second record of the same tip changes nothing and returns ok).
// Keys: "e/" + store::key::time_seq(at_ns, seq) -> JSON, "tip/<tip_id>" -> that key.
// Errors: "invalid_event" (empty or over-long tip id / session, sender_hash not 64 hex digits,
// invalid amount, at_ns < 0), store errors.
Status record_support(store::Store& store, const SupportEvent& ev);

// The event for a completed tip: amount = what the streamer received, at_ns = the tip's last
// update (its completion), sender hashed with hash_sender. Error "not_completed" otherwise.
Result<SupportEvent> event_from_tip(store::Store& store, const tips::TipRecord& tip,
                                    std::string_view stream_session);

// Start-up catch-up: records every completed tip of table "tips" that has no event yet (tips
// completed before the event bus existed), except those still to be published by the tip service
// (notify_pending: the support subscriber records them). Their stream_session is "".
// Returns how many were added.
Result<size_t> record_completed_tips(store::Store& store);

// Streamer action: hide a tip's message from overlays and announcements ("hidden/<tip_id>").
// Does not check that the tip exists (the route does). Error "invalid_tip_id".
Status set_hidden(store::Store& store, std::string_view tip_id, bool hidden);
bool is_hidden(const store::Store& store, std::string_view tip_id);

}  // namespace wm::analytics
