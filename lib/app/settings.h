// Settings the streamer changes in the admin page, stored in LMDB (table "settings", keys
// "config/<flag name>" -> the value as it would be written on the command line). A value given
// by flag, environment or config file pins the setting: the stored value is ignored and the
// admin page shows it read-only with its source.
#pragma once
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/settings_validate.h"
#include "core/config.h"
#include "core/result.h"
#include "store/store.h"

namespace wm::app {

// The flag names the admin page may change, in display order.
const std::vector<std::string>& editable_settings();
bool is_secret_setting(std::string_view key);

class Settings {
 public:
  // `base` is the configuration from flags, environment, config file and defaults.
  Settings(store::Store& store, Config base);

  // base with every stored value applied whose key is not pinned.
  Config effective() const;
  // {"settings":{key:{"value","pinned","source","secret","set"}}}; secrets carry no value.
  nlohmann::json describe() const;
  // Validates every key of the object first (unknown key, pinned key -> 409 "pinned", bad value
  // -> "invalid_setting" naming the key in the message and in Error::field), then, when a tip
  // amount or the wallet changes, the whole resulting configuration (validate_tip_settings, with
  // the wallet's asset and every stream's saved tiers); then stores them all in one transaction.
  // A null or empty string value removes the stored value. Returns the new effective configuration.
  Result<Config> update(const nlohmann::json& patch);
  // One value, validated the same way (used by the setup steps). `wallet` is the asset of a
  // wallet being saved (it replaces the current wallet's for the check).
  Result<Config> set(const std::string& key, const std::string& value,
                     std::optional<WalletAsset> wallet = std::nullopt);
  bool pinned(const std::string& key) const;
  // The current streamer wallet's asset when known (may ask the wallet; called without locks held).
  void set_wallet_asset(std::function<std::optional<WalletAsset>()> fn) { wallet_asset_ = std::move(fn); }

 private:
  using Changes = std::vector<std::pair<std::string, std::string>>;
  Status apply_locked(const Changes& changes, const std::optional<WalletAsset>& wallet);
  std::optional<WalletAsset> wallet_for(const Changes& changes, std::optional<WalletAsset> given) const;

  store::Store& store_;
  const Config base_;
  std::function<std::optional<WalletAsset>()> wallet_asset_;
  mutable std::mutex mu_;
};

}  // namespace wm::app
