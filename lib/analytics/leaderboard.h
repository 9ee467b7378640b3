// Public leaderboard of supporters: safe to serve without authentication.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "store/store.h"

namespace wm::analytics {

// period: stream (events whose stream_session == current_stream_session; empty list when "" ) |
// week (last 7 days) | month (last 30 days) | all. Else Error invalid_period.
// Windows are now_ns - 7 d / 30 d <= event time <= now_ns.
//
// → {"period","assets":[{"assetCode","assetScale","supporters":[{"name","anonymous","value","display","count"}]}]}
// - One list per asset (code, scale), sorted by code then scale; amounts never summed across assets.
// - supporters: top `limit` (at most 100) by value, ties: more tips, then earlier first tip.
// - Never a wallet address or sender hash, never one viewer's names linked: rows are grouped by
//   the display name as typed, case-insensitively (detail::fold_name), not by sender, and a tip
//   keeps the name it was sent with (a viewer who tipped as "Nova" and later as "DoubleClicker"
//   appears as two rows; two viewers both called "nova" share one). A row shows the spelling of
//   its first tip in the period. Named tips without a name form one row "Someone". Anonymous tips
//   form one row per asset named "Anonymous" ("anonymous":true) and the name typed with them is
//   never shown. Messages are not included.
// - value: decimal string of minor units; sums above 2^64-1 show 2^64-1 with "overflow":true.
// - Streaming support (streaming.h) counts toward the same rows under the same rules (its display
//   name, "Someone", or "Anonymous"): it adds to value and to "streamed":{value,display} (present
//   only when > 0), never to count (the number of tips).
Result<nlohmann::json> leaderboard(const store::Store& store, std::string_view period, int64_t now_ns,
                                   std::string_view current_stream_session, size_t limit = 10);

}  // namespace wm::analytics
