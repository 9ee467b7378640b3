#include "analytics/summary.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "analytics/events.h"
#include "analytics/streaming.h"
#include "core/timeutil.h"

namespace wm::analytics {

namespace {

using json = nlohmann::json;
using detail::AssetKey;
using detail::Sum;

struct Timeframe {
  int64_t span_ns = 0;  // 0: all time
  int64_t bucket_ns = 0;
  bool dense = false;   // list empty buckets too
};

std::optional<Timeframe> parse_timeframe(std::string_view tf) {
  if (tf == "last_24h") return Timeframe{detail::kDayNs, detail::kHourNs, true};
  if (tf == "last_7d") return Timeframe{7 * detail::kDayNs, detail::kDayNs, true};
  if (tf == "last_30d") return Timeframe{30 * detail::kDayNs, detail::kDayNs, true};
  if (tf == "all_time") return Timeframe{0, detail::kDayNs, false};
  return std::nullopt;
}

int64_t floor_to(int64_t ns, int64_t step) { return ns / step * step; }  // ns >= 0

json totals_json(const std::map<AssetKey, Sum>& sums) {
  json arr = json::array();
  for (const auto& [asset, sum] : sums) arr.push_back(detail::total_json(asset, sum));
  return arr;
}

json top_json(const detail::SupporterBoard& board) {
  json top = json::array();
  for (const auto& [asset, rows] : board.ranked(10)) {
    for (const auto& row : rows) {
      json r{{"name", row.name}, {"anonymous", row.anonymous}, {"assetCode", asset.code}, {"assetScale", asset.scale}};
      r.update(detail::money_json(asset, row.sum.units));
      r["count"] = row.sum.count;
      r["names"] = row.names;
      top.push_back(std::move(r));
    }
  }
  return top;
}

// Streaming support in the same window and buckets, apart from tips (streaming.h).
json streaming_json(const store::ReadTxn& txn, store::Table table, int64_t from_ns, int64_t now_ns,
                    std::string_view stream_id, const Timeframe& tf) {
  std::map<AssetKey, Sum> totals;
  std::map<int64_t, std::map<AssetKey, Sum>> buckets;
  if (tf.dense)
    for (int64_t b = floor_to(from_ns, tf.bucket_ns); b <= now_ns; b += tf.bucket_ns) buckets[b];
  std::set<std::string> supporters, sessions;
  detail::SupporterBoard board(detail::Grouping::by_sender);
  if (stream_id.empty() || stream_id == "default") {
    detail::scan_streaming(txn, table, from_ns, now_ns, [&](const SupportEvent& ev) {
      const AssetKey asset{ev.amount.asset_code, ev.amount.asset_scale};
      totals[asset].add(ev.amount.units);
      buckets[floor_to(ev.at_ns, tf.bucket_ns)][asset].add(ev.amount.units);
      supporters.insert(ev.sender_hash);
      sessions.insert(ev.tip_id);
      board.add_streamed(ev);
    });
  }
  json b = json::array();
  for (const auto& [start, sums] : buckets) b.push_back({{"start", timeutil::format_rfc3339(start)}, {"totals", totals_json(sums)}});
  json top = top_json(board);
  for (auto& r : top) r.erase("count");  // streaming support has sessions, not tips
  return {{"totals", totals_json(totals)}, {"sessions", sessions.size()}, {"uniqueSupporters", supporters.size()},
          {"buckets", std::move(b)}, {"topSupporters", std::move(top)}};
}

}  // namespace

Result<json> summary(const store::Store& store, std::string_view stream_id, std::string_view timeframe,
                     int64_t now_ns) {
  auto tf = parse_timeframe(timeframe);
  if (!tf)
    return Error{"invalid_timeframe", "timeframe must be last_24h, last_7d, last_30d or all_time"};
  if (now_ns < 0) return Error{"invalid_time", "now must not be before 1970"};
  const int64_t from_ns = tf->span_ns > 0 ? std::max<int64_t>(0, now_ns - tf->span_ns) : 0;

  std::map<AssetKey, Sum> totals;
  std::map<int64_t, std::map<AssetKey, Sum>> buckets;
  if (tf->dense) {
    for (int64_t b = floor_to(from_ns, tf->bucket_ns); b <= now_ns; b += tf->bucket_ns) buckets[b];
  }
  std::set<std::string> supporters;
  detail::SupporterBoard board(detail::Grouping::by_sender);  // private: per wallet, every name
  uint64_t tip_count = 0;

  auto table = store.table("support");
  json streaming;
  auto st = store.view([&](const store::ReadTxn& txn) -> Status {
    streaming = streaming_json(txn, table, from_ns, now_ns, stream_id, *tf);
    detail::scan_window(txn, table, from_ns, now_ns, [&](const SupportEvent& ev) {
      if (!stream_id.empty() && ev.stream_id != stream_id) return;
      const uint64_t units = ev.amount.units;
      const AssetKey asset{ev.amount.asset_code, ev.amount.asset_scale};
      ++tip_count;
      totals[asset].add(units);
      buckets[floor_to(ev.at_ns, tf->bucket_ns)][asset].add(units);
      supporters.insert(ev.sender_hash);
      board.add(ev);
    });
    return ok_status();
  });
  if (!st) return st.error();

  json out{{"streamId", std::string(stream_id)},
           {"timeframe", std::string(timeframe)},
           {"from", tf->span_ns > 0 ? json(timeutil::format_rfc3339(from_ns)) : json(nullptr)},
           {"to", timeutil::format_rfc3339(now_ns)},
           {"tipCount", tip_count},
           {"uniqueSupporters", supporters.size()}};

  json totals_arr = json::array();
  for (const auto& [asset, sum] : totals) {
    json t = detail::total_json(asset, sum);
    t["average"] = detail::average_json(asset, sum);
    totals_arr.push_back(std::move(t));
  }
  out["totals"] = std::move(totals_arr);

  json buckets_arr = json::array();
  for (const auto& [start, sums] : buckets)
    buckets_arr.push_back({{"start", timeutil::format_rfc3339(start)}, {"totals", totals_json(sums)}});
  out["buckets"] = std::move(buckets_arr);

  out["topSupporters"] = top_json(board);
  out["support"] = std::move(streaming);
  return out;
}

}  // namespace wm::analytics
