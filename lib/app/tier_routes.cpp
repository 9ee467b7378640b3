#include "app/tier_routes.h"

#include "app/route_support.h"
#include "app/tier_input.h"
#include "tips/tiers.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;
using namespace tier_input;

void fail(Response& res, const Error& e) {
  const bool internal = e.code == "store_error" || e.code == "map_full";
  error_reply(res, internal && e.field.empty() ? 500 : 400, e);
}

// Tiers must stay inside the streamer's [tip-min, tip-max] (when the app gives the check).
Status check_against_settings(const tips::TierSet& set, bool custom, const TierConfig& cfg) {
  if (!cfg.check_tiers) return ok_status();
  std::vector<TierAmount> amounts;
  for (size_t i = 0; i < set.tiers.size(); ++i) {
    const auto& t = set.tiers[i];
    if (custom) amounts.push_back({"custom[" + std::to_string(i) + "].amount", "\"" + t.name + "\"", t.amount, ""});
    else amounts.push_back({"maxAmount", "\"" + t.name + "\"", t.amount, "minAmount"});
  }
  return cfg.check_tiers(amounts);
}

void cors(Response& res) {
  res.set_header("Access-Control-Allow-Origin", "*");
  res.set_header("Access-Control-Allow-Methods", "GET, OPTIONS");
  res.set_header("Access-Control-Max-Age", "600");
}

openpayments::CurrencyStyle style_of(const TierConfig& cfg) {
  return cfg.currency_style ? cfg.currency_style() : openpayments::CurrencyStyle::code;
}

// 200 with every "display" amount in the streamer's currency style.
void styled_reply(Response& res, json out, const TierConfig& cfg) { app::styled_reply(res, std::move(out), style_of(cfg)); }

// Custom tiers (and, with a theme, that theme remembered for later).
void save_custom(const TierPost& p, Response& res, store::Store& store, const TierConfig& cfg) {
  const Currency& cur = p.currency;
  auto set = tips::parse_custom(*p.custom, cur.code, cur.scale);
  if (!set) return fail(res, set.error());
  if (auto st = check_against_settings(*set, true, cfg); !st) return fail(res, st.error());
  if (!p.theme.empty()) {
    auto gen = tips::generate(p.theme, cur.code, cur.scale, p.range.first, p.range.second);
    if (!gen) return fail(res, gen.error());
    if (auto st = tips::save_theme(store, p.stream, {p.theme, p.range.first, p.range.second, p.segment}); !st)
      return fail(res, st.error());
  }
  if (auto st = tips::save_custom(store, p.stream, *set); !st) return fail(res, st.error());
  json out = tips::to_json(*set);
  out["streamId"] = p.stream;
  out["source"] = "custom";
  styled_reply(res, out, cfg);
}

// A theme ("fun" by default); choosing one replaces any custom tiers: the widget shows what was
// chosen last.
void save_theme(TierPost p, Response& res, store::Store& store, const TierConfig& cfg) {
  if (p.theme.empty()) p.theme = "fun";
  auto set = tips::generate(p.theme, p.currency.code, p.currency.scale, p.range.first, p.range.second);
  if (!set) return fail(res, set.error());
  if (auto st = check_against_settings(*set, false, cfg); !st) return fail(res, st.error());
  if (auto st = tips::save_theme(store, p.stream, {p.theme, p.range.first, p.range.second, p.segment}); !st)
    return fail(res, st.error());
  if (auto st = tips::clear_custom(store, p.stream); !st) return fail(res, st.error());
  json out = tips::to_json(*set);
  out["streamId"] = p.stream;
  out["source"] = "theme";
  if (!p.segment.empty()) out["viewerSegment"] = p.segment;
  styled_reply(res, out, cfg);
}

void post_tiers(const Request& req, Response& res, store::Store& store, const TierConfig& cfg) {
  auto body = http::json_body(req, res, cfg.max_body);
  if (!body) return;
  auto p = tier_post(*body, cfg);
  if (!p) return fail(res, p.error());
  if (p->custom) return save_custom(*p, res, store, cfg);
  save_theme(std::move(*p), res, store, cfg);
}

// GET /plugins/wm/tiers/suggest: tiers for a theme and range, saved nowhere.
void suggest(const Request& req, Response& res, store::Store& store, const TierConfig& cfg) {
  auto stream = stream_of(req.get_param_value("streamId"));
  if (!stream) return fail(res, stream.error());
  auto scale = scale_param(req);
  if (!scale) return fail(res, scale.error());
  auto cur = currency_of(req.get_param_value("currency"), *scale, cfg);
  if (!cur) return fail(res, cur.error());
  std::string theme = req.get_param_value("theme");
  if (theme.empty() && req.has_param("streamId")) {
    auto saved = tips::load_theme(store, *stream);
    if (!saved) return fail(res, saved.error());
    if (*saved) theme = (*saved)->theme;
  }
  if (theme.empty()) theme = "fun";
  json lo = req.get_param_value("minAmount"), hi = req.get_param_value("maxAmount");
  auto range = range_of(req.has_param("minAmount") ? &lo : nullptr, req.has_param("maxAmount") ? &hi : nullptr, *cur);
  if (!range) return fail(res, range.error());
  auto set = tips::generate(theme, cur->code, cur->scale, range->first, range->second);
  if (!set) return fail(res, set.error());
  res.set_header("Cache-Control", "no-store");
  styled_reply(res, tips::to_json(*set), cfg);
}

// GET /plugins/wm/overlay/tip-tiers: what the widget shows for a stream.
void overlay_tiers(const Request& req, Response& res, store::Store& store, const TierConfig& cfg) {
  cors(res);
  res.set_header("Cache-Control", "no-store");
  auto stream = stream_of(req.get_param_value("streamId"));
  if (!stream) return fail(res, stream.error());
  auto resolved = tips::resolve(store, *stream, cfg.asset_code, cfg.asset_scale);
  if (!resolved) return fail(res, resolved.error());
  json out = tips::to_json(resolved->set);
  out["streamId"] = *stream;
  out["source"] = resolved->source;
  out["currencyDisplay"] = style_of(cfg) == openpayments::CurrencyStyle::symbol ? "symbol" : "code";
  styled_reply(res, out, cfg);
}

}  // namespace

void register_tier_routes(http::Server& server, store::Store& store, TierConfig base) {
  if (openpayments::check_currency(base.asset_code, base.asset_scale).ok() == false) {
    base.asset_code = "EUR";
    base.asset_scale = 2;
  }
  // The configuration with the streamer wallet's currency as it is now.
  auto current = [base]() {
    TierConfig cfg = base;
    if (cfg.wallet_currency) {
      if (auto c = cfg.wallet_currency(); c && openpayments::check_currency(c->first, c->second)) {
        cfg.asset_code = c->first;
        cfg.asset_scale = c->second;
      }
    }
    return cfg;
  };

  server.get("/plugins/wm/tiers/suggest", Access::public_, [&store, current](const Request& req, Response& res) {
    suggest(req, res, store, current());
  });
  server.post("/plugins/wm/tiers", Access::admin, [&store, current](const Request& req, Response& res) {
    post_tiers(req, res, store, current());
  });
  server.options("/plugins/wm/overlay/tip-tiers", [](const Request&, Response& res) {
    cors(res);
    res.status = 204;
  });
  server.get("/plugins/wm/overlay/tip-tiers", Access::public_, [&store, current](const Request& req, Response& res) {
    overlay_tiers(req, res, store, current());
  });
}

}  // namespace wm::app
