// Tip tiers: ten built-in themes whose amounts are generated for the streamer's currency between a
// min and a max (rounded to friendly values, integer arithmetic only), and custom tiers the
// streamer defines. Custom tiers and the chosen theme live in their own table "tiers" under
// "tiers/custom/<streamId>" and "tiers/theme/<streamId>" (schema 4 kept them in "settings").
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "openpayments/money.h"
#include "store/store.h"

namespace wm::tips {

using openpayments::Amount;

struct Tier {
  std::string id;     // "<theme>-<index>" for themes (index from 0), the streamer's id for custom tiers
  std::string theme;  // "custom" for custom tiers
  std::string name;
  std::string emoji;
  std::string perk;
  Amount amount;
  bool operator==(const Tier&) const = default;
};

struct TierSet {
  std::string theme;       // a theme name or "custom"
  std::string asset_code;  // the currency, e.g. "EUR"
  uint8_t asset_scale = 2;
  std::vector<Tier> tiers;
  bool operator==(const TierSet&) const = default;
};

using openpayments::kMaxScale;
inline constexpr size_t kMaxCustomTiers = 10;
inline constexpr size_t kMaxNameChars = 40;
inline constexpr size_t kMaxEmojiBytes = 16;
inline constexpr size_t kMaxPerkChars = 120;

// The ten theme names in a fixed order: fun, fantasy, scifi, gaming, retro, space, nature, food,
// music, coffee.
const std::vector<std::string>& theme_names();
bool is_theme(std::string_view theme);
std::string theme_list();  // "fun, fantasy, ..." for error messages

// Currency checks and decimal parsing are the money module's (openpayments/money.h); tips code
// uses them unqualified.
using openpayments::amount_from_json;
using openpayments::check_currency;
using openpayments::default_scale;
using openpayments::parse_decimal;

// Default bounds: 1 and 100 major units (the max saturates at 2^64-1).
Result<std::pair<Amount, Amount>> default_range(std::string_view asset_code, int asset_scale);

// The theme's tiers (4-6) with amounts strictly increasing within [min, max], each a friendly
// value: a 1-2-5 ladder of the currency's units when the range allows, finer steps (1, 1.5, 2,
// 2.5, 3, 4, 5, 7.5, then 2, 3, ... significant digits) when min and max are close.
// Errors: "invalid_theme" (lists the valid ones), "invalid_currency", "invalid_scale",
// "asset_mismatch", "invalid_amount" (zero), "invalid_range" (min > max), "range_too_narrow"
// (fewer than 4 distinct amounts fit).
Result<TierSet> generate(std::string_view theme, std::string_view asset_code, int asset_scale,
                         const Amount& min, const Amount& max);
Result<TierSet> generate(std::string_view theme, std::string_view asset_code, int asset_scale);  // defaults

// Custom tiers from JSON: an array of 1-10 {id?, name, emoji?, perk?, amount} where amount is an
// Amount object in this currency or a decimal string. ids default to "custom-<index>"; given ids
// must be 1-64 of [A-Za-z0-9_-] and unique. name 1-40 characters, emoji at most 16 bytes, perk at
// most 120 characters (valid UTF-8, no control characters). Error code "invalid_tiers".
Result<TierSet> parse_custom(const nlohmann::json& tiers, std::string_view asset_code, int asset_scale);

// {"id","theme","name","emoji","perk","amount":{...},"display":"5.00 EUR"}
nlohmann::json to_json(const Tier& tier);
// {"theme","currency":"EUR","assetScale":2,"tiers":[...]}
nlohmann::json to_json(const TierSet& set);
Result<TierSet> tier_set_from_json(const nlohmann::json& j);  // reads what to_json wrote

// Stream ids: 1-128 of [A-Za-z0-9_.:-].
bool valid_stream_id(std::string_view stream_id);

// The theme a streamer chose, with the range and currency its tiers were generated for.
struct ThemeChoice {
  std::string theme;
  Amount min;
  Amount max;
  std::string viewer_segment;  // free-form label, may be empty
  bool operator==(const ThemeChoice&) const = default;
};

Status save_custom(store::Store& store, std::string_view stream_id, const TierSet& set);
Result<std::optional<TierSet>> load_custom(const store::Store& store, std::string_view stream_id);
Status clear_custom(store::Store& store, std::string_view stream_id);
Status save_theme(store::Store& store, std::string_view stream_id, const ThemeChoice& choice);
Result<std::optional<ThemeChoice>> load_theme(const store::Store& store, std::string_view stream_id);

// Every stream's saved tiers (custom, else a saved theme's), by stream id; streams that show the
// defaults are left out. For checking settings against the tiers viewers can pick.
Result<std::vector<std::pair<std::string, TierSet>>> saved_tier_sets(const store::Store& store);
inline constexpr const char* kTiersTable = "tiers";
// Every stored tier row (key, JSON value) in key order, for tests and tools; fn returns false to stop.
Status scan_tier_rows(const store::Store& store, const std::function<bool(std::string_view key, std::string_view value)>& fn);

// What the widget shows for a stream: its custom tiers if saved, else its saved theme, else
// "fun" with default bounds in the given currency. `source` is "custom", "theme" or "default".
struct Resolved {
  TierSet set;
  std::string source;
};
Result<Resolved> resolve(const store::Store& store, std::string_view stream_id, std::string_view asset_code,
                         int asset_scale);

}  // namespace wm::tips
