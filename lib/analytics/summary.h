// Streamer dashboard numbers from the support events (admin only: may not be shown publicly).
#pragma once
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "store/store.h"

namespace wm::analytics {

// timeframe: last_24h | last_7d | last_30d | all_time (else Error invalid_timeframe). stream_id "" = all.
//
// The window is from <= event time <= now_ns with from = now_ns - 24 h / 7 d / 30 d (all_time:
// no lower bound, "from": null). Result:
//   {"streamId","timeframe","from":rfc3339|null,"to":rfc3339,"tipCount":n,"uniqueSupporters":n,
//    "totals":[{"assetCode","assetScale","value","display","count","average":{"value","display"}}],
//    "buckets":[{"start":rfc3339,"totals":[{"assetCode","assetScale","value","display","count"}]}],
//    "topSupporters":[{"name","anonymous","assetCode","assetScale","value","display","count","names"}]}
// - Amounts are never summed across assets: every total is per (assetCode, assetScale), sorted by
//   code then scale. "value" is a decimal string of minor units, as in Open Payments amounts
//   ("500" at scale 2 = "5.00 EUR").
// - Sums are exact (128-bit). A sum above 2^64-1 (the largest Open Payments value) is reported
//   as "18446744073709551615" with "overflow":true on that entry; it never wraps.
// - average = total / count in minor units, rounded half up to a whole minor unit.
// - buckets: UTC-aligned hours for last_24h (25 buckets: the hour holding `from` through the hour
//   holding `to`), UTC days for last_7d (8) and last_30d (31), all present even when empty;
//   all_time: only the UTC days that had tips. Oldest first. Buckets add up to the totals.
// - uniqueSupporters: distinct sender hashes (anonymous tips included; it is a count only).
// - topSupporters (private to the streamer): top 10 per asset by value (ties: more tips, then
//   earlier first tip), one row per sender wallet (detail::Grouping::by_sender): "name" is the
//   sender's latest non-empty name, "names" every name the sender tipped with (first use first).
//   Anonymous tips stay one "Anonymous" row with "names":[] (their names are never shown). Never
//   a hash or wallet address.
// - support (streaming support, "pay while you watch", streaming.h; never mixed into the tip fields):
//   {"totals":[{"assetCode","assetScale","value","display","count"}] (confirmed per asset; count =
//   recorded increments), "sessions":n, "uniqueSupporters":n, "buckets":[as above],
//   "topSupporters":[{"name","anonymous","assetCode","assetScale","value","display","names"}]}.
//   Only for stream_id "" or "default" (support sessions have no widget stream).
Result<nlohmann::json> summary(const store::Store& store, std::string_view stream_id,
                               std::string_view timeframe, int64_t now_ns);

}  // namespace wm::analytics
