// Streaming support ("pay while you watch", lib/support) in analytics, kept apart from tips.
//
// The confirmed total of each session (the incoming payment's receivedAmount, carried by the bus
// events support.payment and support.stopped as `paid`) is recorded as time-stamped increments in
// table "support", beside the tip events (other prefixes: tip scans never see them):
//   "w/" + time_seq                  -> event JSON (SupportEvent with tip_id = the support id; the
//                                       amount is what the streamer's wallet confirmed since the
//                                       previous increment)
//   "wl/<support_id>"                -> the confirmed total recorded so far (decimal minor units)
//   "wx/<stream_session>\0" + time_seq -> that "w/" key (increments during one live stream)
// Recording is idempotent: a total at or below the one recorded adds nothing, so a redelivered or
// older event never counts twice. Never a wallet address: senders by hash_sender() only.
#pragma once
#include <functional>
#include <string_view>

#include "analytics/support.h"
#include "events/bus.h"

namespace wm::analytics {

inline constexpr std::string_view kStreamingSubscriber = "analytics-streaming";

// `total.amount` is the session's confirmed total; records the increment (if any).
// Errors: "invalid_event" (as record_support), store errors.
Status record_streaming(store::Store& store, const SupportEvent& total);

// Durable subscriber (support.payment, support.stopped) calling record_streaming.
events::Subscription streaming_subscription(store::Store& store);

namespace detail {
using StreamingFn = std::function<void(const SupportEvent&)>;
// Increments with from_ns <= at_ns <= to_ns, oldest first.
void scan_streaming(const store::ReadTxn& txn, store::Table t, int64_t from_ns, int64_t to_ns, const StreamingFn& fn);
// Increments recorded during this stream session, oldest first.
void scan_streaming_session(const store::ReadTxn& txn, store::Table t, std::string_view session, const StreamingFn& fn);
}  // namespace detail

}  // namespace wm::analytics
