// Internal to lib/analytics: event encoding, window scans, per-asset sums and supporter ranking
// shared by summary.cpp and leaderboard.cpp. Not part of the module's public surface.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "analytics/support.h"

namespace wm::analytics::detail {

// Sums are kept in 128 bits: n tips of at most 2^64-1 units each cannot wrap for any n < 2^64.
__extension__ typedef unsigned __int128 u128;

constexpr int64_t kHourNs = 3600LL * 1000000000LL;
constexpr int64_t kDayNs = 24 * kHourNs;

inline constexpr std::string_view kEventPrefix = "e/";
inline constexpr std::string_view kTipPrefix = "tip/";
inline constexpr std::string_view kSessionPrefix = "s/";
inline constexpr std::string_view kHiddenPrefix = "hidden/";
inline constexpr std::string_view kSaltKey = "meta/salt";

nlohmann::json event_to_json(const SupportEvent& ev);
std::optional<SupportEvent> event_from_json(std::string_view raw);

using EventFn = std::function<void(const SupportEvent&)>;
// Events with from_ns <= at_ns <= to_ns, oldest first. Unreadable records are skipped.
void scan_window(const store::ReadTxn& txn, store::Table t, int64_t from_ns, int64_t to_ns,
                 const EventFn& fn);
// Events recorded with this stream session, oldest first.
void scan_session(const store::ReadTxn& txn, store::Table t, std::string_view session,
                  const EventFn& fn);
std::string session_key_prefix(std::string_view session);

struct AssetKey {
  std::string code;
  uint8_t scale = 0;
  auto operator<=>(const AssetKey&) const = default;
};

struct Sum {
  u128 units = 0;
  uint64_t count = 0;
  void add(uint64_t v) {
    units += v;
    ++count;
  }
};

// {"value","display"} for units of asset; a sum past 2^64-1 is shown as 2^64-1 (the largest
// Open Payments value) with "overflow":true, never wrapped.
nlohmann::json money_json(const AssetKey& asset, u128 units);
// {"assetCode","assetScale","value","display","count"}
nlohmann::json total_json(const AssetKey& asset, const Sum& sum);
// Mean per tip in minor units, rounded half up to a whole minor unit: {"value","display"}.
nlohmann::json average_json(const AssetKey& asset, const Sum& sum);

// Supporters ranked per asset with the public naming rules: anonymous tips form one row
// "Anonymous" per asset; named tips are grouped by sender hash and shown with the sender's latest
// non-empty display name among the events added (none: "Someone"). Rows never carry the hash.
class SupporterBoard {
 public:
  void add(const SupportEvent& ev);
  struct Row {
    std::string name;
    bool anonymous = false;
    Sum sum;
  };
  // Per asset: value descending, then count descending, then earliest first tip.
  std::map<AssetKey, std::vector<Row>> ranked(size_t limit) const;

 private:
  struct Group {
    bool anonymous = false;
    std::string hash;
    Sum sum;
    int64_t first_ns = 0;
  };
  struct Name {
    std::string text;
    int64_t at_ns = 0;
  };
  std::map<AssetKey, std::map<std::string, Group>> groups_;
  std::unordered_map<std::string, Name> names_;  // hash -> latest non-empty display name
};

}  // namespace wm::analytics::detail
