#include "app/widget_config_routes.h"

#include <chrono>
#include <memory>
#include <mutex>

#include "app/widget_routes.h"
#include "core/json_limits.h"
#include "core/text.h"
#include "openpayments/money.h"
#include "owncast/api_client.h"
#include "support/support_service.h"
#include "tips/tip_service.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string trim_slashes(std::string url) {
  url = text::without_trailing_slashes(std::move(url));
  return url;
}

// One cached answer per Owncast URL.
struct IdentityCache {
  std::mutex mu;
  std::string url;
  json value;
  Clock::time_point expires{};

  json get(const std::string& owncast_url) {
    std::lock_guard lock(mu);
    if (owncast_url == url && Clock::now() < expires) return value;
    auto r = owncast::ApiClient::with_authorization(owncast_url, "", 2).get("/api/config");
    const bool ok = r && r->status == 200;
    value = ok ? stream_identity(owncast_url, r->body) : json{{"name", nullptr}, {"logo", nullptr}};
    url = owncast_url;
    expires = Clock::now() + std::chrono::seconds(ok ? 60 : 10);
    return value;
  }
};

// [{id, rate, display}] per hour, the streamer's presets (support-presets) in their asset.
json support_presets_json(const Config& c, const std::string& code, int scale) {
  json out = json::array();
  auto list = support::parse_presets(c.support_presets, code, scale);
  if (!list) list = support::parse_presets({}, code, scale);
  if (!list) return out;
  const auto style = openpayments::parse_currency_style(c.currency_display).value_or(openpayments::CurrencyStyle::code);
  for (const auto& p : *list)
    out.push_back({{"id", p.id},
                   {"rate", openpayments::to_json(p.rate)},
                   {"display", openpayments::restyle_display(openpayments::format_amount(p.rate), style)}});
  return out;
}

}  // namespace

json stream_identity(const std::string& owncast_url, const std::string& config_body) {
  json out{{"name", nullptr}, {"logo", nullptr}};
  json j = json_limits::parse_or_discarded(config_body);
  if (!j.is_object()) return out;
  if (auto n = j.find("name"); n != j.end() && n->is_string() && !n->get<std::string>().empty() &&
                               n->get<std::string>().size() <= 200)
    out["name"] = *n;
  const std::string base = trim_slashes(owncast_url);
  const std::string origin = origin_of(base);
  auto l = j.find("logo");
  if (origin.empty() || l == j.end() || !l->is_string() || l->get<std::string>().empty()) return out;
  std::string logo = l->get<std::string>();
  if (logo.size() > 2048 || logo.find_first_of(" \"'<>\\") != std::string::npos) return out;
  if (logo.rfind("//", 0) == 0) return out;
  if (logo.find("://") == std::string::npos) logo = (logo[0] == '/' ? origin : base + "/") + logo;
  if (origin_of(logo) == origin) out["logo"] = logo;
  return out;
}

void register_widget_config_routes(http::Server& server, WidgetConfigContext ctx) {
  auto cache = std::make_shared<IdentityCache>();
  server.get("/plugins/wm/widget/config", http::Access::public_,
             [ctx, cache](const http::Request&, http::Response& res) {
               const Config c = ctx.config();
               json out{{"name", nullptr}, {"logo", nullptr}, {"minAmount", nullptr}, {"maxAmount", nullptr}};
               const std::string owncast = trim_slashes(c.owncast_url);
               if (!owncast.empty()) out.update(cache->get(owncast));
               if (auto cur = ctx.wallet_currency ? ctx.wallet_currency() : std::nullopt) {
                 if (auto range = tips::tip_range(c.tip_min, c.tip_max, cur->first, cur->second)) {
                   out["minAmount"] = openpayments::to_json(range->first);
                   out["maxAmount"] = openpayments::to_json(range->second);
                 }
                 out["supportPresets"] = support_presets_json(c, cur->first, cur->second);
               } else {
                 out["supportPresets"] = json::array();
               }
               out["supportDefault"] = "low";
               out["currencyDisplay"] = c.currency_display == "symbol" ? "symbol" : "code";
               res.set_header("Access-Control-Allow-Origin", "*");
               res.set_header("Cache-Control", "no-store");
               http::json_reply(res, 200, out);
             });
}

}  // namespace wm::app
