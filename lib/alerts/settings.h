// The streamer's alert settings: look (opaque to the server, used by the overlay page),
// variations by amount, the speech minimum and the alert minimum. Amounts are compared as
// integers of one asset (scales aligned); a rule in another currency never matches.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "openpayments/money.h"
#include "store/store.h"

namespace wm::alerts {

struct Variation {
  std::string name;           // [A-Za-z0-9_-]{1,32}, the overlay's style key
  openpayments::Amount min;   // applies to tips >= min in min's currency
  nlohmann::json style;       // {"animation","sound","volume","durationMs","emoji",...} for the page
};

struct AlertSettings {
  nlohmann::json style = nlohmann::json::object();  // {"template","durationMs","sound","volume",...}
  std::vector<Variation> variations;
  std::optional<openpayments::Amount> speak_min;  // speech of the message from this amount
  std::optional<openpayments::Amount> alert_min;  // no alert below this amount
};

// {"style":{...},"variations":[{"name","min":{value,assetCode,assetScale},"style"}],
//  "speakMin":amount|null,"alertMin":amount|null}. Error "invalid_settings" naming the field.
Result<AlertSettings> parse_settings(const nlohmann::json& j);
nlohmann::json to_json(const AlertSettings& s);

// a >= b when both are in the same currency (scales aligned); nullopt for another currency.
std::optional<bool> at_least(const openpayments::Amount& a, const openpayments::Amount& b);
// The variation for an amount: the one with the highest matching min, or nullptr.
const Variation* variation_for(const AlertSettings& s, const openpayments::Amount& a);

// Stored in table "alerts" under "settings" (defaults when absent).
AlertSettings load_settings(const store::Store& store);
Status save_settings(store::Store& store, const AlertSettings& s);

}  // namespace wm::alerts
