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

// A display name folded for grouping: surrounding ASCII whitespace dropped, letters lowercased
// (ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals; other characters compared as
// typed, without Unicode normalisation). "Nova", " nova " and "NOVA" fold alike.
std::string fold_name(std::string_view name);

// How supporters are grouped into rows.
//   by_name   public (leaderboard, anything viewers may see): one row per display name as typed,
//             case-insensitively (fold_name), whoever sent it, shown with the spelling of the
//             group's first tip, so a viewer's pseudonyms are never linked and a past tip keeps
//             the name it was sent with. Named tips without a name form one row "Someone".
//   by_sender private (admin): one row per sender hash, shown with the sender's latest non-empty
//             name ("Someone" when none), `names` lists every name the sender used (first use
//             first, case-insensitively distinct).
// Both: anonymous tips form one row "Anonymous" per asset, never attributed to a name or sender,
// and the names typed with them are never shown. Rows never carry the hash.
enum class Grouping { by_name, by_sender };

class SupporterBoard {
 public:
  explicit SupporterBoard(Grouping grouping = Grouping::by_name) : grouping_(grouping) {}
  void add(const SupportEvent& ev);
  // Streaming support (streaming.h): counts toward the row's value and `streamed`, not its tip count.
  void add_streamed(const SupportEvent& ev);
  struct Row {
    std::string name;
    bool anonymous = false;
    Sum sum;
    u128 streamed = 0;  // the part of sum.units that came from streaming support
    std::vector<std::string> names;  // by_sender only
  };
  // Per asset: value descending, then count descending, then earliest first tip.
  std::map<AssetKey, std::vector<Row>> ranked(size_t limit) const;

 private:
  struct Name {
    std::string text;
    int64_t at_ns = 0;
  };
  struct Group {
    bool anonymous = false;
    std::string hash;  // by_sender
    Name shown;        // by_name: the spelling of the group's first tip
    Sum sum;
    u128 streamed = 0;
    int64_t first_ns = 0;
  };
  Group& group_of(const SupportEvent& ev);
  void note_name(const SupportEvent& ev);
  std::string row_name(const Group& g) const;
  std::vector<std::string> row_names(const Group& g) const;

  Grouping grouping_;
  std::map<AssetKey, std::map<std::string, Group>> groups_;
  std::unordered_map<std::string, Name> latest_;  // by_sender: hash -> latest non-empty display name
  // by_sender: hash -> folded name -> first use (spelling and time)
  std::unordered_map<std::string, std::map<std::string, Name>> used_;
};

}  // namespace wm::analytics::detail
