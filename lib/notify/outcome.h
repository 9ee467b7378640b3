// What became of a completed tip's chat announcement, kept per tip so the tip's public status can
// tell the viewer whether a chat message is on its way. Stored in the "settings" table under
// "announcement/<tipId>" as "queued" or "skipped:<reason>".
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/store.h"

namespace wm::notify {

inline constexpr std::string_view kOutcomePrefix = "announcement/";

// Why an announcement was not queued (the label of owncast_wm_announcements_skipped_total).
inline constexpr std::string_view kSkipBelowMinimum = "below_minimum";        // under announce-min
inline constexpr std::string_view kSkipNotConnected = "owncast_not_connected";  // no Owncast URL/token
inline constexpr std::string_view kSkipFailed = "failed";                      // template or store error

struct Outcome {
  bool queued = false;
  std::string reason;  // when skipped: one of the kSkip* values
};

Status record_outcome(store::Store& store, std::string_view tip_id, const Outcome& outcome);
// The same record inside the caller's write transaction, only if the tip has none yet (so the
// announcement it describes can be queued in that transaction, once per tip). Errors:
// "already_recorded" (the transaction should then write nothing), "invalid_tip_id", store errors.
Status record_first_outcome(const store::Store& store, store::WriteTxn& txn, std::string_view tip_id,
                            const Outcome& outcome);
std::optional<Outcome> load_outcome(const store::Store& store, std::string_view tip_id);

}  // namespace wm::notify
