#include "tips/tiers.h"

#include <algorithm>
#include <array>
#include <limits>
#include <set>

#include "core/json_limits.h"
#include "core/decimal.h"

namespace wm::tips {

namespace {

using json = nlohmann::json;

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr size_t kMinTiers = 4;

struct TierTemplate {
  const char* name;
  const char* emoji;
  const char* perk;
};

struct Theme {
  const char* name;
  std::vector<TierTemplate> tiers;  // cheapest first
};

const std::vector<Theme>& themes() {
  static const std::vector<Theme> all = {
      {"fun",
       {{"High Five", "🙌", "A virtual high five on stream"},
        {"Confetti", "🎉", "A burst of confetti in the overlay"},
        {"Party Hat", "🥳", "You join the party hall of fame"},
        {"Balloon Bouquet", "🎈", "Pick the next silly sound effect"},
        {"Disco Ball", "🪩", "A shout-out under the disco lights"},
        {"Grand Fireworks", "🎆", "Fireworks and a big thank-you"}}},
      {"fantasy",
       {{"Copper Coin", "🪙", "A coin tossed in the bard's hat"},
        {"Healing Potion", "🧪", "Restores the streamer's morale"},
        {"Enchanted Scroll", "📜", "Your name read aloud as a spell"},
        {"Wizard's Crown", "👑", "Crowned patron of the realm"},
        {"Dragon's Hoard", "🐉", "A legendary shout-out from the dragon"}}},
      {"scifi",
       {{"Power Cell", "🔋", "Recharges the streamer's shields"},
        {"Robot Buddy", "🤖", "A beep-boop thank-you"},
        {"Teleporter", "🌀", "Beams your message onto the screen"},
        {"Cyber Arm", "🦾", "Upgrade: bionic gratitude"},
        {"Time Machine", "⏳", "Your name echoes through time"}}},
      {"gaming",
       {{"Extra Life", "🍄", "One more try, on you"},
        {"Power-Up", "⚡", "Boosts the next run"},
        {"Loot Drop", "🎁", "A surprise thank-you from chat"},
        {"Combo Streak", "🎮", "Pick the next challenge"},
        {"Boss Slayer", "⚔️", "Cheered on in the boss fight"},
        {"Hall of Fame", "🏆", "Top of the leaderboard shout-out"}}},
      {"retro",
       {{"Arcade Token", "🕹️", "Insert coin, press start"},
        {"Cassette Tape", "📼", "A mixtape-worthy thank-you"},
        {"Floppy Disk", "💾", "Saved to the streamer's memory"},
        {"Golden Jukebox", "📻", "Request a song from the jukebox"}}},
      {"space",
       {{"Stardust", "✨", "A sprinkle of cosmic thanks"},
        {"Comet", "☄️", "Streak across the overlay"},
        {"Rocket Launch", "🚀", "A lift-off shout-out"},
        {"Ringed Planet", "🪐", "Name a planet in the stream lore"},
        {"Galaxy", "🌌", "The whole galaxy says thank you"}}},
      {"nature",
       {{"Seedling", "🌱", "Help something grow"},
        {"Wildflower", "🌼", "A bloom of gratitude"},
        {"Oak Tree", "🌳", "Deep-rooted support"},
        {"Mountain Peak", "🏔️", "A summit-sized shout-out"},
        {"Rainbow", "🌈", "A rainbow across the stream"}}},
      {"food",
       {{"Cookie", "🍪", "A sweet little thanks"},
        {"Taco", "🌮", "Taco-powered energy"},
        {"Pizza Slice", "🍕", "Fuel for the stream"},
        {"Sushi Platter", "🍣", "A fancy thank-you"},
        {"Layer Cake", "🍰", "A treat for the whole chat"},
        {"Chef's Banquet", "🍽️", "A five-star shout-out from the chef"}}},
      {"music",
       {{"Drumroll", "🥁", "Ba-dum-tss!"},
        {"Guitar Solo", "🎸", "Shred-worthy thanks"},
        {"Mic Drop", "🎤", "A shout-out on the mic"},
        {"Encore", "🎺", "The crowd calls for more"},
        {"Platinum Record", "💿", "Certified platinum supporter"}}},
      {"coffee",
       {{"Espresso Shot", "☕", "A quick caffeine boost"},
        {"Croissant Combo", "🥐", "Coffee with a pastry"},
        {"Cold Brew", "🧊", "Keeps the stream chill"},
        {"Bag of Beans", "🫘", "Stocks the coffee for a week"}}},
  };
  return all;
}

const Theme* find_theme(std::string_view name) {
  for (const auto& t : themes())
    if (name == t.name) return &t;
  return nullptr;
}

uint64_t pow10(int e) {
  uint64_t p = 1;
  for (int i = 0; i < e; ++i) p *= 10;
  return p;
}

// Friendly values in [lo, hi] at ladder `level`, ascending and unique.
// level 0: {1,2,5} x 10^e; level 1: {1,1.5,2,2.5,3,4,5,7.5} x 10^e; level s >= 2: every value
// with at most s significant digits. Returns nullopt when the ladder would be unreasonably large.
std::optional<std::vector<uint64_t>> ladder(int level, uint64_t lo, uint64_t hi) {
  static const std::vector<uint64_t> l0 = {1, 2, 5};
  static const std::vector<uint64_t> l1 = {1, 2, 3, 4, 5, 10, 15, 20, 25, 30, 40, 50, 75};
  std::vector<uint64_t> out;
  for (int e = 0; e <= 19; ++e) {
    uint64_t p = pow10(e);
    if (p > hi) break;
    uint64_t mlo = lo / p + (lo % p ? 1 : 0), mhi = hi / p;
    if (mlo < 1) mlo = 1;
    if (level <= 1) {
      for (uint64_t m : level == 0 ? l0 : l1) {
        if (m < mlo || m > mhi) continue;
        out.push_back(m * p);  // m <= hi / p, so no overflow
      }
    } else {
      uint64_t mmax = level >= 20 ? kU64Max : pow10(level) - 1;
      mhi = std::min(mhi, mmax);
      if (mlo > mhi) continue;
      if (mhi - mlo > 100000) return std::nullopt;
      for (uint64_t m = mlo;; ++m) {
        out.push_back(m * p);
        if (m == mhi) break;
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Index i of n spread evenly over c candidates (rounded), so the picks follow the ladder's
// roughly geometric spacing and include both ends.
size_t spread(size_t i, size_t n, size_t c) {
  if (n <= 1) return 0;
  return (i * (c - 1) * 2 + (n - 1)) / (2 * (n - 1));
}

// UTF-8 code points, or nullopt for invalid UTF-8 or control characters.
std::optional<size_t> text_chars(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr uint32_t kMinForLen[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLen[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) return std::nullopt;
    i += len;
    ++n;
  }
  return n;
}

Error bad_tiers(std::string message) { return Error{"invalid_tiers", std::move(message)}; }

bool valid_tier_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string custom_key(std::string_view stream_id) { return "tiers/custom/" + std::string(stream_id); }
std::string theme_key(std::string_view stream_id) { return "tiers/theme/" + std::string(stream_id); }

Result<std::optional<std::string>> read_setting(const store::Store& store, const std::string& key) {
  std::optional<std::string> out;
  store::Table t = store.table(kTiersTable);
  auto st = store.view([&](const store::ReadTxn& txn) {
    if (auto v = txn.get(t, key)) out = std::string(*v);
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Status write_setting(store::Store& store, const std::string& key, const std::string& value) {
  store::Table t = store.table(kTiersTable);
  return store.update([&](store::WriteTxn& txn) { return txn.put(t, key, value); });
}

Status check_stream(std::string_view stream_id) {
  if (valid_stream_id(stream_id)) return ok_status();
  return Error{"invalid_stream_id", "streamId must be 1-128 characters of A-Z a-z 0-9 _ . : -"};
}

}  // namespace

const std::vector<std::string>& theme_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& t : themes()) v.emplace_back(t.name);
    return v;
  }();
  return names;
}

bool is_theme(std::string_view theme) { return find_theme(theme) != nullptr; }

std::string theme_list() {
  std::string out;
  for (const auto& n : theme_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

Result<std::pair<Amount, Amount>> default_range(std::string_view asset_code, int asset_scale) {
  if (auto st = check_currency(asset_code, asset_scale); !st) return st.error();
  uint64_t one = pow10(asset_scale);
  uint64_t hundred = one > kU64Max / 100 ? kU64Max : one * 100;
  auto lo = openpayments::make_amount(one, asset_code, asset_scale);
  auto hi = openpayments::make_amount(hundred, asset_code, asset_scale);
  if (!lo) return lo.error();
  if (!hi) return hi.error();
  return std::pair{*lo, *hi};
}

Result<TierSet> generate(std::string_view theme_name, std::string_view asset_code, int asset_scale, const Amount& min,
                         const Amount& max) {
  const Theme* theme = find_theme(theme_name);
  if (!theme)
    return Error{"invalid_theme",
                 "unknown theme '" + std::string(theme_name.substr(0, 40)) + "'; valid themes: " + theme_list()};
  if (auto st = check_currency(asset_code, asset_scale); !st) return st.error();
  for (const Amount* a : {&min, &max}) {
    if (a->asset_code != asset_code || a->asset_scale != asset_scale)
      return Error{"asset_mismatch", std::string(a == &min ? "minAmount" : "maxAmount") + " is in " + a->asset_code +
                                         "/" + std::to_string(a->asset_scale) + ", expected " +
                                         std::string(asset_code) + "/" + std::to_string(asset_scale)};
  }
  const uint64_t* lo = &min.units;
  const uint64_t* hi = &max.units;
  if (*lo == 0 || *hi == 0) return Error{"invalid_amount", "minAmount and maxAmount must be greater than zero"};
  if (*lo > *hi)
    return Error{"invalid_range", "minAmount (" + openpayments::format_amount(min) + ") is greater than maxAmount (" +
                                      openpayments::format_amount(max) + ")"};

  const size_t want = theme->tiers.size();
  std::vector<uint64_t> best;
  for (int level = 0; level <= 20 && best.size() < want; ++level) {
    auto c = ladder(level, *lo, *hi);
    if (!c) break;
    if (c->size() > best.size()) best = std::move(*c);
  }
  if (best.size() < kMinTiers)
    return Error{"range_too_narrow", "the range " + openpayments::format_amount(min) + " to " +
                                         openpayments::format_amount(max) + " holds fewer than " +
                                         std::to_string(kMinTiers) + " distinct amounts; widen it"};
  const size_t n = std::min(want, best.size());

  TierSet set{std::string(theme->name), std::string(asset_code), static_cast<uint8_t>(asset_scale), {}};
  for (size_t i = 0; i < n; ++i) {
    const TierTemplate& t = theme->tiers[i];
    auto amount = openpayments::make_amount(best[spread(i, n, best.size())], asset_code, asset_scale);
    if (!amount) return amount.error();
    set.tiers.push_back(
        Tier{set.theme + "-" + std::to_string(i), set.theme, t.name, t.emoji, t.perk, std::move(*amount)});
  }
  return set;
}

Result<TierSet> generate(std::string_view theme, std::string_view asset_code, int asset_scale) {
  auto range = default_range(asset_code, asset_scale);
  if (!range) return range.error();
  return generate(theme, asset_code, asset_scale, range->first, range->second);
}

Result<TierSet> parse_custom(const json& tiers, std::string_view asset_code, int asset_scale) {
  if (auto st = check_currency(asset_code, asset_scale); !st) return st.error();
  if (!tiers.is_array() || tiers.empty() || tiers.size() > kMaxCustomTiers)
    return bad_tiers("custom must be an array of 1 to " + std::to_string(kMaxCustomTiers) + " tiers");
  TierSet set{"custom", std::string(asset_code), static_cast<uint8_t>(asset_scale), {}};
  std::set<std::string> ids;
  for (size_t i = 0; i < tiers.size(); ++i) {
    const json& t = tiers[i];
    const std::string where = "tier " + std::to_string(i + 1) + ": ";
    if (!t.is_object()) return bad_tiers(where + "must be an object");
    auto str = [&](const char* key, std::string& out) -> Status {
      auto it = t.find(key);
      if (it == t.end() || it->is_null()) return ok_status();
      if (!it->is_string()) return bad_tiers(where + "'" + key + "' must be a string");
      out = it->get<std::string>();
      return ok_status();
    };
    Tier tier;
    tier.theme = "custom";
    for (auto [key, out] : {std::pair{"id", &tier.id}, std::pair{"name", &tier.name},
                            std::pair{"emoji", &tier.emoji}, std::pair{"perk", &tier.perk}}) {
      if (auto st = str(key, *out); !st) return st.error();
    }
    if (tier.id.empty()) tier.id = "custom-" + std::to_string(i);
    if (!valid_tier_id(tier.id)) return bad_tiers(where + "id must be 1-64 characters of A-Z a-z 0-9 _ -");
    if (!ids.insert(tier.id).second) return bad_tiers(where + "duplicate id '" + tier.id + "'");
    auto name_len = text_chars(tier.name);
    if (!name_len || *name_len == 0 || *name_len > kMaxNameChars)
      return bad_tiers(where + "name must be 1-" + std::to_string(kMaxNameChars) +
                       " characters of text (no control characters)");
    if (tier.emoji.size() > kMaxEmojiBytes || !text_chars(tier.emoji))
      return bad_tiers(where + "emoji must be at most " + std::to_string(kMaxEmojiBytes) + " bytes of UTF-8");
    auto perk_len = text_chars(tier.perk);
    if (!perk_len || *perk_len > kMaxPerkChars)
      return bad_tiers(where + "perk must be at most " + std::to_string(kMaxPerkChars) +
                       " characters of text (no control characters)");
    auto a = t.find("amount");
    if (a == t.end()) return bad_tiers(where + "amount is required");
    auto amount = amount_from_json(*a, asset_code, asset_scale);
    if (!amount) return bad_tiers(where + amount.error().message);
    if (amount->units == 0) return bad_tiers(where + "amount must be greater than zero");
    tier.amount = std::move(*amount);
    set.tiers.push_back(std::move(tier));
  }
  return set;
}

json to_json(const Tier& t) {
  return {{"id", t.id},       {"theme", t.theme},
          {"name", t.name},   {"emoji", t.emoji},
          {"perk", t.perk},   {"amount", openpayments::to_json(t.amount)},
          {"display", openpayments::format_amount(t.amount)}};
}

json to_json(const TierSet& s) {
  json tiers = json::array();
  for (const auto& t : s.tiers) tiers.push_back(to_json(t));
  return {{"theme", s.theme}, {"currency", s.asset_code}, {"assetScale", s.asset_scale}, {"tiers", std::move(tiers)}};
}

Result<TierSet> tier_set_from_json(const json& j) {
  Error bad{"invalid_tiers", "stored tier set is malformed"};
  if (!j.is_object() || !j.contains("theme") || !j["theme"].is_string() || !j.contains("currency") ||
      !j["currency"].is_string() || !j.contains("assetScale") || !j["assetScale"].is_number_unsigned() ||
      !j.contains("tiers") || !j["tiers"].is_array())
    return bad;
  TierSet s;
  s.theme = j["theme"].get<std::string>();
  s.asset_code = j["currency"].get<std::string>();
  auto scale = j["assetScale"].get<uint64_t>();
  if (check_currency(s.asset_code, static_cast<int>(std::min<uint64_t>(scale, 255))).ok() == false) return bad;
  s.asset_scale = static_cast<uint8_t>(scale);
  for (const auto& t : j["tiers"]) {
    if (!t.is_object()) return bad;
    Tier tier;
    for (auto [key, out] : {std::pair{"id", &tier.id}, std::pair{"theme", &tier.theme}, std::pair{"name", &tier.name},
                            std::pair{"emoji", &tier.emoji}, std::pair{"perk", &tier.perk}}) {
      auto it = t.find(key);
      if (it == t.end() || !it->is_string()) return bad;
      *out = it->get<std::string>();
    }
    auto a = t.find("amount");
    if (a == t.end()) return bad;
    auto amount = openpayments::parse_amount(*a);
    if (!amount) return bad;
    tier.amount = std::move(*amount);
    s.tiers.push_back(std::move(tier));
  }
  return s;
}

bool valid_stream_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':';
  });
}

Status save_custom(store::Store& store, std::string_view stream_id, const TierSet& set) {
  if (auto st = check_stream(stream_id); !st) return st;
  return write_setting(store, custom_key(stream_id), to_json(set).dump());
}

Result<std::optional<TierSet>> load_custom(const store::Store& store, std::string_view stream_id) {
  if (auto st = check_stream(stream_id); !st) return st.error();
  auto raw = read_setting(store, custom_key(stream_id));
  if (!raw) return raw.error();
  if (!*raw) return std::optional<TierSet>{};
  auto set = tier_set_from_json(json_limits::parse_or_discarded(**raw));
  if (!set) return set.error();
  return std::optional<TierSet>{std::move(*set)};
}

Status scan_tier_rows(const store::Store& store, const std::function<bool(std::string_view, std::string_view)>& fn) {
  store::Table t = store.table(kTiersTable);
  return store.view([&](const store::ReadTxn& txn) {
    txn.scan_prefix(t, "tiers/", false, fn);
    return ok_status();
  });
}

Status clear_custom(store::Store& store, std::string_view stream_id) {
  if (auto st = check_stream(stream_id); !st) return st;
  store::Table t = store.table(kTiersTable);
  return store.update([&](store::WriteTxn& txn) {
    txn.del(t, custom_key(stream_id));
    return ok_status();
  });
}

Status save_theme(store::Store& store, std::string_view stream_id, const ThemeChoice& c) {
  if (auto st = check_stream(stream_id); !st) return st;
  if (!is_theme(c.theme)) return Error{"invalid_theme", "unknown theme; valid themes: " + theme_list()};
  json j = {{"theme", c.theme},
            {"minAmount", openpayments::to_json(c.min)},
            {"maxAmount", openpayments::to_json(c.max)},
            {"viewerSegment", c.viewer_segment}};
  return write_setting(store, theme_key(stream_id), j.dump());
}

Result<std::optional<ThemeChoice>> load_theme(const store::Store& store, std::string_view stream_id) {
  if (auto st = check_stream(stream_id); !st) return st.error();
  auto raw = read_setting(store, theme_key(stream_id));
  if (!raw) return raw.error();
  if (!*raw) return std::optional<ThemeChoice>{};
  Error bad{"invalid_tiers", "stored theme choice is malformed"};
  json j = json_limits::parse_or_discarded(**raw);
  if (!j.is_object() || !j.contains("theme") || !j["theme"].is_string() || !j.contains("minAmount") ||
      !j.contains("maxAmount"))
    return bad;
  auto lo = openpayments::parse_amount(j["minAmount"]);
  auto hi = openpayments::parse_amount(j["maxAmount"]);
  if (!lo || !hi) return bad;
  ThemeChoice c{j["theme"].get<std::string>(), std::move(*lo), std::move(*hi), ""};
  if (j.contains("viewerSegment") && j["viewerSegment"].is_string()) c.viewer_segment = j["viewerSegment"];
  return std::optional<ThemeChoice>{std::move(c)};
}

Result<std::vector<std::pair<std::string, TierSet>>> saved_tier_sets(const store::Store& store) {
  std::set<std::string> streams;
  store::Table t = store.table(kTiersTable);
  auto st = store.view([&](const store::ReadTxn& txn) {
    for (std::string_view prefix : {"tiers/custom/", "tiers/theme/"}) {
      txn.scan_prefix(t, prefix, false, [&](std::string_view k, std::string_view) {
        streams.emplace(k.substr(prefix.size()));
        return true;
      });
    }
    return ok_status();
  });
  if (!st) return st.error();
  std::vector<std::pair<std::string, TierSet>> out;
  for (const auto& id : streams) {
    if (!valid_stream_id(id)) continue;
    auto r = resolve(store, id, "EUR", 2);
    if (r && r->source != "default") out.emplace_back(id, std::move(r->set));
  }
  return out;
}

Result<Resolved> resolve(const store::Store& store, std::string_view stream_id, std::string_view asset_code,
                         int asset_scale) {
  auto custom = load_custom(store, stream_id);
  if (!custom) return custom.error();
  if (*custom) return Resolved{std::move(**custom), "custom"};
  auto choice = load_theme(store, stream_id);
  if (!choice) return choice.error();
  if (*choice) {
    const ThemeChoice& c = **choice;
    auto set = generate(c.theme, c.min.asset_code, c.min.asset_scale, c.min, c.max);
    if (set) return Resolved{std::move(*set), "theme"};
    // A stored choice that no longer generates (should not happen): fall back to the defaults.
  }
  auto set = generate("fun", asset_code, asset_scale);
  if (!set) return set.error();
  return Resolved{std::move(*set), "default"};
}

}  // namespace wm::tips
