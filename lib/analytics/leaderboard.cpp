#include "analytics/leaderboard.h"

#include <algorithm>
#include <limits>

#include "analytics/events.h"
#include "analytics/streaming.h"

namespace wm::analytics {

namespace {
constexpr size_t kMaxLimit = 100;
}  // namespace

Result<nlohmann::json> leaderboard(const store::Store& store, std::string_view period, int64_t now_ns,
                                   std::string_view current_stream_session, size_t limit) {
  using json = nlohmann::json;
  int64_t span_ns = -1;  // -1: whole history
  bool by_session = false;
  if (period == "stream") by_session = true;
  else if (period == "week") span_ns = 7 * detail::kDayNs;
  else if (period == "month") span_ns = 30 * detail::kDayNs;
  else if (period != "all") return Error{"invalid_period", "period must be stream, week, month or all"};

  detail::SupporterBoard board(detail::Grouping::by_name);  // public: never links names
  auto add = [&](const SupportEvent& ev) { board.add(ev); };
  auto streamed = [&](const SupportEvent& ev) { board.add_streamed(ev); };  // same privacy rules
  auto table = store.table("support");
  auto st = store.view([&](const store::ReadTxn& txn) -> Status {
    if (by_session) {
      if (!current_stream_session.empty()) {
        detail::scan_session(txn, table, current_stream_session, add);
        detail::scan_streaming_session(txn, table, current_stream_session, streamed);
      }
    } else {
      const int64_t from = span_ns > 0 ? now_ns - span_ns : 0;
      const int64_t to = span_ns > 0 ? now_ns : std::numeric_limits<int64_t>::max();
      detail::scan_window(txn, table, from, to, add);
      detail::scan_streaming(txn, table, from, to, streamed);
    }
    return ok_status();
  });
  if (!st) return st.error();

  json assets = json::array();
  for (const auto& [asset, rows] : board.ranked(std::min(limit, kMaxLimit))) {
    json supporters = json::array();
    for (const auto& row : rows) {
      json r{{"name", row.name}, {"anonymous", row.anonymous}};
      r.update(detail::money_json(asset, row.sum.units));
      r["count"] = row.sum.count;
      if (row.streamed > 0) r["streamed"] = detail::money_json(asset, row.streamed);
      supporters.push_back(std::move(r));
    }
    assets.push_back({{"assetCode", asset.code}, {"assetScale", asset.scale}, {"supporters", std::move(supporters)}});
  }
  return json{{"period", std::string(period)}, {"assets", std::move(assets)}};
}

}  // namespace wm::analytics
