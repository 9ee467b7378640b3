// Moderation (issue 13): what of a completed tip may be shown on stream. The contract of
// lib/moderation; the word filter is in filter.h, the settings in settings.h.
//
// The gate is a DURABLE bus subscriber ("moderation") to tip_completed. Per tip, once (the
// decision is recorded by tip id in table "moderation" before anything is published, so a
// replayed or republished tip_completed is ignored):
//
//   below the alert minimum (alertMin, alerts/settings.h)  -> nothing is shown ("below_minimum")
//   holdForApproval and amount above zero                  -> queued (table moderation_queue)
//   otherwise                                              -> tip_cleared is published
//
// tip_cleared (events.h) carries the tip with its message word-filtered; the alert hub and the
// chat announcements consume it. The tips table keeps the original message. tip_cleared is
// published exactly once per tip: it is journaled in the same transaction that records the
// decision (Bus::publish_with), so a crash leaves either both or neither (then the bus replays
// tip_completed and the tip is decided again).
//
// A queued tip waits for a moderator: approve() publishes tip_cleared (alert and chat
// announcement); reject() shows nothing (the money stays with the streamer). Either decision is
// final; a second one answers already_decided. Every decision, automatic ("auto") or manual
// (the admin), is appended to table moderation_log with its reason and time.
//
// Thread safety: every method may be called from any thread (LMDB serialises the decisions).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "events/bus.h"
#include "moderation/settings.h"
#include "store/store.h"

namespace wm::moderation {

inline constexpr std::string_view kSubscriber = "moderation";

enum class Decision { cleared, below_minimum, held };

// The decision table (pure): below the alert minimum first, then hold for approval (tips above
// zero only), else cleared.
Decision decide(const events::Tip& tip, bool below_minimum, bool hold);

struct Pending {
  events::Tip tip;  // message word-filtered with the current settings
  int64_t received_ns = 0;
};

struct LogEntry {
  std::string tip_id;
  std::string decision;  // cleared | below_minimum | held | approved | rejected
  std::string reason;    // passed | filtered | below_minimum | hold_for_approval | moderator
  std::string by;        // "auto" or the admin user name
  int64_t at_ns = 0;
};
nlohmann::json to_json(const LogEntry& e);

// Why approve()/reject() refused; the HTTP layer picks the status.
enum class QueueError { not_found, already_decided, store_error };
struct QueueFailure {
  QueueError code;
  std::string message;
};

struct ModeratorOptions {
  // Whether the tip is below the alert minimum (false when none is set).
  std::function<bool(const events::Tip&)> below_minimum;
  std::function<int64_t()> clock;  // unix ns; default timeutil::now_ns
  // Tests: called right after a decision committed ("moderation_decided", with the tip id), before
  // the handler returns and the bus saves its cursor. The kill -9 test crashes there.
  std::function<void(std::string_view step, const std::string& tip_id)> after_step;
};

class Moderator {
 public:
  Moderator(store::Store& store, events::Bus& bus, ModeratorOptions opts);

  // Durable, named kSubscriber, tip_completed only; the handler is handle().
  events::Subscription subscription();
  // Decides a completed tip once per tip id (see above).
  void handle(const events::Event& e);

  Settings settings() const;
  Status set_settings(const Settings& s);

  // Tips waiting for approval, oldest first (at most `limit`).
  std::vector<Pending> pending(size_t limit) const;
  // Publishes the tip's tip_cleared; returns it as published.
  Result<events::Tip, QueueFailure> approve(const std::string& tip_id, const std::string& by);
  Result<events::Tip, QueueFailure> reject(const std::string& tip_id, const std::string& by);
  // The newest `limit` decisions, newest first.
  std::vector<LogEntry> log(size_t limit) const;

 private:
  Result<events::Tip, QueueFailure> finish(const std::string& tip_id, const std::string& by, bool approved);
  // tip_cleared, journaled in the same transaction as `record` (the decision): both or neither.
  Status publish_cleared(events::Tip tip, int64_t at_ns, const std::function<Status(store::WriteTxn&)>& record);
  events::Tip queued_tip(const std::string& tip_id) const;  // message filtered; empty when not queued

  store::Store& store_;
  events::Bus& bus_;
  ModeratorOptions opts_;
};

}  // namespace wm::moderation
