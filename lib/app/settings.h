// Settings the streamer changes in the admin page, stored in LMDB (table "settings", keys
// "config/<flag name>" -> the value as it would be written on the command line). A value given
// by flag, environment or config file pins the setting: the stored value is ignored and the
// admin page shows it read-only with its source.
#pragma once
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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
  // -> "invalid_setting" naming the key), then stores them all in one transaction. A null or
  // empty string value removes the stored value. Returns the new effective configuration.
  Result<Config> update(const nlohmann::json& patch);
  // One value, validated the same way (used by the setup steps).
  Result<Config> set(const std::string& key, const std::string& value);
  bool pinned(const std::string& key) const;

 private:
  Status apply_locked(const std::vector<std::pair<std::string, std::string>>& changes);

  store::Store& store_;
  const Config base_;
  mutable std::mutex mu_;
};

}  // namespace wm::app
