#include "app/settings.h"

#include <algorithm>
#include <map>

#include "core/decimal.h"
#include "core/text.h"
#include "notify/announce.h"
#include "support/support_service.h"
#include "tips/tiers.h"

namespace wm::app {

namespace {

using json = nlohmann::json;

constexpr std::string_view kPrefix = "config/";

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool http_url(std::string_view s) {
  return (s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0) && s.size() <= 2048 && printable(s);
}

std::string trim_slashes(std::string s) {
  s = text::without_trailing_slashes(std::move(s));
  return s;
}

Error invalid(const std::string& key, const std::string& why) {
  return Error{"invalid_setting", key + ": " + why, key};
}

bool is_amount_key(std::string_view key) { return key == "tip-min" || key == "tip-max" || key == "announce-min"; }

// Applies one value to a configuration, validating it like the flag would be.
Status apply(Config& c, const std::string& key, const std::string& v) {
  if (key == "wallet-address") {
    if (!v.empty() && !http_url(v) && !(v[0] == '$' && v.size() <= 2048 && printable(v)))
      return invalid(key, "must be a wallet address URL (https://...) or $wallet.example/name");
    c.wallet_address = v;
    c.client_wallet_address = v;
  } else if (key == "key-id") {
    if (v.size() > 256 || !printable(v)) return invalid(key, "must be 1-256 printable characters without spaces");
    c.key_id = v;
  } else if (key == "key-file") {
    if (v.size() > 4096) return invalid(key, "path too long");
    c.key_file = v;
  } else if (key == "owncast-url") {
    if (!v.empty() && !http_url(v)) return invalid(key, "must start with http:// or https://");
    c.owncast_url = trim_slashes(v);
  } else if (key == "owncast-token") {
    if (v.size() > 512 || !printable(v)) return invalid(key, "must be the access token Owncast showed (no spaces)");
    c.owncast_token = v;
  } else if (is_amount_key(key)) {
    if (!is_decimal_text(v)) return invalid(key, "'" + v.substr(0, 40) + "' is not an amount: " + decimal::check(v).error().message);
    (key == "tip-min" ? c.tip_min : key == "tip-max" ? c.tip_max : c.announce_min) = v;
  } else if (key == "announce-template") {
    if (v.size() > 500) return invalid(key, "must be at most 500 bytes");
    if (!v.empty()) {
      if (auto s = notify::validate_template(v); !s) return invalid(key, s.error().message);
    }
    c.announce_template = v;
  } else if (key == "support-presets") {
    if (auto p = check_support_presets(v); !p) return invalid(key, p.error().message.substr(p.error().message.find(':') + 2));
    c.support_presets = v;
  } else if (key == "support-announce") {
    if (v != "on" && v != "off") return invalid(key, "must be on or off");
    c.support_announce = v == "on";
  } else if (key == "support-announce-template") {
    if (v.size() > 500) return invalid(key, "must be at most 500 bytes");
    if (!v.empty()) {
      if (auto s = notify::validate_template(notify::support_template(v)); !s) return invalid(key, s.error().message);
    }
    c.support_announce_template = v;
  } else if (key == "anonymous-tips") {
    if (v != "on" && v != "off") return invalid(key, "must be on or off");
    c.anonymous_tips = v == "on";
  } else if (key == "currency-display") {
    if (v != "code" && v != "symbol") return invalid(key, "must be code or symbol");
    c.currency_display = v;
  } else {
    return Error{"invalid_setting", "unknown setting '" + key + "'"};
  }
  return ok_status();
}

// The current value of a key in a configuration, as text.
std::string value_of(const Config& c, const std::string& key) {
  if (key == "wallet-address") return c.wallet_address;
  if (key == "key-id") return c.key_id;
  if (key == "key-file") return c.key_file;
  if (key == "owncast-url") return c.owncast_url;
  if (key == "owncast-token") return c.owncast_token;
  if (key == "tip-min") return c.tip_min;
  if (key == "tip-max") return c.tip_max;
  if (key == "announce-min") return c.announce_min;
  if (key == "announce-template") return c.announce_template;
  if (key == "anonymous-tips") return c.anonymous_tips ? "on" : "off";
  if (key == "support-presets") return c.support_presets;
  if (key == "support-announce") return c.support_announce ? "on" : "off";
  if (key == "support-announce-template") return c.support_announce_template;
  if (key == "currency-display") return c.currency_display;
  return {};
}

std::map<std::string, std::string> read_stored(const store::Store& store) {
  std::map<std::string, std::string> out;
  store::Table t = store.table("settings");
  (void)store.view([&](const store::ReadTxn& txn) {
    txn.scan_prefix(t, kPrefix, false, [&](std::string_view k, std::string_view v) {
      out.emplace(std::string(k.substr(kPrefix.size())), std::string(v));
      return true;
    });
    return ok_status();
  });
  return out;
}

// Every saved tier (custom or a saved theme's); a conflict is reported at `field`, the setting
// being changed.
std::vector<TierAmount> saved_tiers(const store::Store& store, const std::string& field) {
  std::vector<TierAmount> out;
  auto sets = tips::saved_tier_sets(store);
  if (!sets) return out;
  for (const auto& [stream, set] : *sets) {
    for (size_t i = 0; i < set.tiers.size(); ++i) {
      const auto& t = set.tiers[i];
      const std::string where = stream == "default" ? "" : " (stream " + stream + ")";
      out.push_back({field, "\"" + t.name + "\"" + where, t.amount});
    }
  }
  return out;
}

}  // namespace

const std::vector<std::string>& editable_settings() {
  static const std::vector<std::string> keys = {
      "wallet-address", "key-id",  "key-file",     "owncast-url",       "owncast-token",
      "tip-min",        "tip-max", "announce-min", "announce-template", "anonymous-tips", "currency-display",
      "support-presets", "support-announce", "support-announce-template"};
  return keys;
}

bool is_secret_setting(std::string_view key) { return key == "owncast-token"; }

Settings::Settings(store::Store& store, Config base) : store_(store), base_(std::move(base)) {}

bool Settings::pinned(const std::string& key) const { return base_.pinned.count(key) > 0; }

Config Settings::effective() const {
  std::lock_guard<std::mutex> lock(mu_);
  Config c = base_;
  for (const auto& [k, v] : read_stored(store_)) {
    if (pinned(k)) continue;
    // A stored value that no longer validates (older version, edited store) is skipped.
    (void)apply(c, k, v);
  }
  return c;
}

json Settings::describe() const {
  const Config c = effective();
  std::map<std::string, std::string> stored;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stored = read_stored(store_);
  }
  json out = json::object();
  for (const auto& key : editable_settings()) {
    const std::string v = value_of(c, key);
    json item{{"pinned", pinned(key)}, {"secret", is_secret_setting(key)}, {"set", !v.empty()}};
    if (pinned(key)) item["source"] = base_.pinned.at(key);
    else if (stored.count(key)) item["source"] = "admin";
    else item["source"] = "default";
    if (!is_secret_setting(key)) {
      if (key == "anonymous-tips") item["value"] = c.anonymous_tips;
      else if (key == "support-announce") item["value"] = c.support_announce;
      else item["value"] = v;
    }
    out[key] = std::move(item);
  }
  return json{{"settings", std::move(out)}};
}

std::optional<WalletAsset> Settings::wallet_for(const Changes& changes, std::optional<WalletAsset> given) const {
  if (given) return given;
  bool relevant = false;
  for (const auto& [k, v] : changes) {
    if (k == "wallet-address") return std::nullopt;  // a new wallet: its asset is not known here
    relevant = relevant || is_amount_key(k) || k == "support-presets";
  }
  if (!relevant || !wallet_asset_) return std::nullopt;
  return wallet_asset_();
}

Status Settings::apply_locked(const Changes& changes, const std::optional<WalletAsset>& wallet) {
  Config check = base_;
  for (const auto& [k, v] : read_stored(store_))
    if (!pinned(k)) (void)apply(check, k, v);
  bool amounts = false;
  std::vector<std::string> keys;
  for (const auto& [k, v] : changes) {
    if (pinned(k))
      return Error{"pinned", k + " is set by " + base_.pinned.at(k) + "; change it there", k};
    if (auto s = apply(check, k, v); !s) return s.error();
    amounts = amounts || is_amount_key(k) || k == "wallet-address";
    keys.push_back(k);
  }
  if (amounts) {
    TipAmountSettings t{check.tip_min, check.tip_max, check.announce_min};
    const std::string field = std::find(keys.begin(), keys.end(), "tip-max") != keys.end()   ? "tip-max"
                              : std::find(keys.begin(), keys.end(), "tip-min") != keys.end() ? "tip-min"
                                                                                              : keys.front();
    if (auto s = validate_tip_settings(t, wallet, saved_tiers(store_, field), keys); !s) return s.error();
  }
  const bool presets = std::find(keys.begin(), keys.end(), "support-presets") != keys.end();
  if ((presets || std::find(keys.begin(), keys.end(), "wallet-address") != keys.end()) && wallet) {
    // The presets must fit the streamer's asset (scale, at most 100 per hour).
    if (auto p = support::parse_presets(check.support_presets, wallet->code, wallet->scale); !p) {
      if (presets) return invalid("support-presets", p.error().message);
    }
  }
  store::Table t = store_.table("settings");
  auto st = store_.update([&](store::WriteTxn& txn) -> Status {
    for (const auto& [k, v] : changes) {
      const std::string key = std::string(kPrefix) + k;
      if (v.empty()) txn.del(t, key);
      else if (auto s = txn.put(t, key, v); !s) return s;
    }
    return ok_status();
  });
  return st;
}

Result<Config> Settings::update(const json& patch) {
  if (!patch.is_object()) return Error{"invalid_setting", "expected a JSON object of settings"};
  std::vector<std::pair<std::string, std::string>> changes;
  for (const auto& [k, v] : patch.items()) {
    if (std::find(editable_settings().begin(), editable_settings().end(), k) == editable_settings().end())
      return Error{"invalid_setting", "unknown setting '" + k + "'", k};
    std::string text;
    if (v.is_null()) text = "";
    else if (v.is_string()) text = v.get<std::string>();
    else if (v.is_boolean() && (k == "anonymous-tips" || k == "support-announce")) text = v.get<bool>() ? "on" : "off";
    else if (v.is_number_unsigned() && (k == "tip-min" || k == "tip-max" || k == "announce-min"))
      text = std::to_string(v.get<uint64_t>());
    else return Error{"invalid_setting", k + ": unexpected type", k};
    changes.emplace_back(k, std::move(text));
  }
  const auto wallet = wallet_for(changes, std::nullopt);  // before the lock: it may ask the wallet
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto s = apply_locked(changes, wallet); !s) return s.error();
  }
  return effective();
}

Result<Config> Settings::set(const std::string& key, const std::string& value, std::optional<WalletAsset> given) {
  const Changes changes{{key, value}};
  const auto wallet = wallet_for(changes, std::move(given));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto s = apply_locked(changes, wallet); !s) return s.error();
  }
  return effective();
}

}  // namespace wm::app
