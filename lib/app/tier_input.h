// Tier requests read into plain values (currency, stream id, amount range, POST body) before
// the tier routes (tier_routes.cpp) call lib/tips. Internal to lib/app.
#pragma once
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "app/tier_routes.h"
#include "core/result.h"
#include "http/server.h"
#include "tips/tiers.h"

namespace wm::app::tier_input {

struct Currency {
  std::string code;
  int scale = 2;
};

// The currency from a code (case-insensitive) and an optional scale; the scale defaults to the
// wallet's when the code is the wallet's (see openpayments::default_scale).
Result<Currency> currency_of(std::string code, std::optional<int> scale, const TierConfig& cfg);
// ?assetScale=, when given: 0..18.
Result<std::optional<int>> scale_param(const http::Request& req);
// A stream id, "default" when empty.
Result<std::string> stream_of(const std::string& id);
// min/max from optional JSON values (Amount objects or decimal strings), defaulting to 1 and 100.
Result<std::pair<tips::Amount, tips::Amount>> range_of(const nlohmann::json* lo, const nlohmann::json* hi,
                                                       const Currency& c);

// POST /plugins/wm/tiers's body, read into plain values (each string member optional).
struct TierPost {
  std::string stream, theme, segment;
  Currency currency;
  std::pair<tips::Amount, tips::Amount> range;
  const nlohmann::json* custom = nullptr;  // the custom tiers as sent, when given
};

Result<TierPost> tier_post(const nlohmann::json& body, const TierConfig& cfg);

}  // namespace wm::app::tier_input
