// What the tip panel shows besides the tiers (issue 10, section 7):
//   GET /plugins/wm/widget/config  public, CORS *
//     {"name": string|null, "logo": absolute URL|null, "minAmount": Amount|null, "maxAmount": Amount|null,
//      "currencyDisplay": "code"|"symbol",
//      "supportPresets": [{"id":"low"|"medium"|"high","rate":Amount per hour,"display"}], "supportDefault":"low"}
// name and logo come from Owncast's public GET <owncast-url>/api/config, fetched server side
// (2 s timeout) and cached for 60 s (10 s after a failure); both are null without --owncast-url
// or when Owncast does not answer. The logo is only ever on the Owncast origin (the widget's CSP
// allows images from there). minAmount/maxAmount are the accepted tip range once the streamer's
// wallet (its asset) is known; supportPresets are the streaming-support rates (setting
// support-presets, default 0.60/1.20/3.00 per hour), empty until the wallet's asset is known.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "http/server.h"

namespace wm::app {

struct WidgetConfigContext {
  std::function<Config()> config;
  // The streamer's wallet asset (code, scale), nullopt while unknown.
  std::function<std::optional<std::pair<std::string, int>>()> wallet_currency;
};

// {name, logo} from an Owncast /api/config answer; the logo resolved against owncast_url and
// dropped unless it is on the Owncast origin.
nlohmann::json stream_identity(const std::string& owncast_url, const std::string& config_body);

void register_widget_config_routes(http::Server& server, WidgetConfigContext ctx);

}  // namespace wm::app
