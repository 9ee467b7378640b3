// HTTP routes for tip tiers:
//   GET  /plugins/wm/tiers/suggest?streamId=&theme=&currency=&assetScale=&minAmount=&maxAmount=  (public)
//   POST /plugins/wm/tiers                      (admin: the server's guard) choose a theme or save custom tiers
//   GET  /plugins/wm/overlay/tip-tiers?streamId= (public, CORS *) the tiers the widget shows
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/settings_validate.h"
#include "http/server.h"
#include "openpayments/money.h"
#include "store/store.h"

namespace wm::app {

struct TierConfig {
  std::string asset_code = "EUR";  // the streamer wallet's currency, when known
  int asset_scale = 2;             // ... and its scale (0..18)
  size_t max_body = 64u << 10;     // JSON body limit for POST /plugins/wm/tiers
  // When set and it returns a value: the streamer wallet's {assetCode, assetScale}, which then
  // replaces asset_code/asset_scale (the wallet can be configured at run time).
  std::function<std::optional<std::pair<std::string, int>>()> wallet_currency;
  // How "display" strings read (the currency-display setting); unset: "5.00 EUR".
  std::function<openpayments::CurrencyStyle()> currency_style;
  // When set: checks tiers about to be saved against the tip settings (validate_tip_settings);
  // an error answers 400 with its `field`.
  std::function<Status(const std::vector<TierAmount>&)> check_tiers;
};

// `store` must outlive the server (handlers keep a reference).
void register_tier_routes(http::Server& server, store::Store& store, TierConfig cfg);

}  // namespace wm::app
