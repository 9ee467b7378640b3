// Chat announcements of completed tips: a durable event-bus subscriber (events/bus.h) to
// tip_cleared (a completed tip that passed moderation, its message word-filtered). Each completed tip is decided once: queued in the outbox, or skipped with a
// reason (below announce-min, Owncast not connected, failed), and the decision is recorded per
// tip (outcome.h) in the same write transaction that queues the message. A tip the bus delivers
// twice (a journal replay after a crash, or a second publish because the process died before
// the tip service recorded its notification) therefore never gives a second message.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/metrics.h"
#include "core/result.h"
#include "events/bus.h"
#include "notify/outbox.h"
#include "notify/outcome.h"
#include "openpayments/money.h"
#include "store/store.h"

namespace wm::notify {

inline constexpr std::string_view kAnnounceSubscriber = "announce";

// What an announcement depends on, read at each tip so settings apply at once.
struct AnnounceConfig {
  std::shared_ptr<Outbox> outbox;  // null: Owncast is not connected (no URL or token)
  std::string tmpl;                // the streamer's template; "" = kDefaultTemplate
  std::string announce_min;        // decimal in the tip's currency; "" = every tip is announced
  openpayments::CurrencyStyle style = openpayments::CurrencyStyle::code;
  std::string title;               // the stream's title, for {title}
};

struct AnnouncerOptions {
  std::function<AnnounceConfig()> config;
  std::function<bool(std::string_view tip_id)> hidden;  // the streamer hid the tip's message
  // Registers owncast_wm_announcements_skipped_total{reason} (one series per kSkip* reason).
  Metrics* metrics = nullptr;
};

class Announcer {
 public:
  Announcer(store::Store& store, AnnouncerOptions opts);

  // Durable, named kAnnounceSubscriber, tip_cleared only; the handler is handle().
  events::Subscription subscription();
  // Decides a completed tip once per tip id (a tip with a recorded outcome is left alone).
  void handle(const events::Tip& tip);
  // Renders and queues the announcement without recording an outcome (the streamer's "announce
  // again"); `force` ignores announce-min. Errors: "not_configured", "below_minimum",
  // "invalid_template", store errors.
  Status announce(const events::Tip& tip, bool force);
  // "queued" or "skipped": what was recorded for the tip, or, before the subscriber got to it,
  // what the same decision gives now.
  std::string status_of(const events::Tip& tip) const;

 private:
  Status enqueue(const events::Tip& tip, const AnnounceConfig& c, bool record);
  void count_skip(const events::Tip& tip, const Outcome& outcome, const Error* error);

  store::Store& store_;
  AnnouncerOptions opts_;
  Counter own_below_, own_not_connected_, own_failed_;
  Counter* below_;
  Counter* not_connected_;
  Counter* failed_;
};

// Why a completed tip is not announced, or "" when it is: no Owncast connection, or (unless
// `force`) an amount below announce-min. Amounts compare as integers of the tip's asset.
std::string_view skip_reason(const events::Tip& tip, const AnnounceConfig& c, bool force);

}  // namespace wm::notify
