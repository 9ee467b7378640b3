#include "analytics/leaderboard.h"

#include <algorithm>
#include <limits>

#include "analytics/events.h"

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
  auto table = store.table("support");
  auto st = store.view([&](const store::ReadTxn& txn) -> Status {
    if (by_session) {
      if (!current_stream_session.empty()) detail::scan_session(txn, table, current_stream_session, add);
    } else if (span_ns > 0) {
      detail::scan_window(txn, table, now_ns - span_ns, now_ns, add);
    } else {
      detail::scan_window(txn, table, 0, std::numeric_limits<int64_t>::max(), add);
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
      supporters.push_back(std::move(r));
    }
    assets.push_back({{"assetCode", asset.code}, {"assetScale", asset.scale}, {"supporters", std::move(supporters)}});
  }
  return json{{"period", std::string(period)}, {"assets", std::move(assets)}};
}

}  // namespace wm::analytics
