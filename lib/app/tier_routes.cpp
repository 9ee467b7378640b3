#include "app/tier_routes.h"

#include <algorithm>

#include "app/route_support.h"
#include "tips/tiers.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

constexpr const char* kDefaultStream = "default";
constexpr size_t kMaxSegmentChars = 64;

struct Currency {
  std::string code;
  int scale = 2;
};

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

// The currency from a code (case-insensitive) and an optional scale; the scale defaults to the
// wallet's when the code is the wallet's (see tips::default_scale).
Result<Currency> currency_of(std::string code, std::optional<int> scale, const TierConfig& cfg) {
  if (code.empty()) return Currency{cfg.asset_code, scale.value_or(cfg.asset_scale)};
  if (code.size() > 16) return Error{"invalid_currency", "currency must be a code of 3-16 characters A-Z and 0-9"};
  std::transform(code.begin(), code.end(), code.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
  Currency c{code, scale.value_or(tips::default_scale(code, cfg.asset_code, cfg.asset_scale))};
  if (auto st = tips::check_currency(c.code, c.scale); !st) return st.error();
  return c;
}

Result<std::optional<int>> scale_param(const Request& req) {
  auto n = int_param(req, "assetScale", 0, tips::kMaxScale,
                     {"invalid_scale", "assetScale must be a whole number from 0 to " + std::to_string(tips::kMaxScale)});
  if (!n) return n.error();
  return *n ? std::optional<int>{static_cast<int>(**n)} : std::nullopt;
}

Result<std::string> stream_of(const std::string& id) {
  if (id.empty()) return std::string(kDefaultStream);
  if (!tips::valid_stream_id(id))
    return Error{"invalid_stream_id", "streamId must be 1-128 characters of A-Z a-z 0-9 _ . : -"};
  return id;
}

// min/max from optional JSON values (Amount objects or decimal strings), defaulting to 1 and 100.
Result<std::pair<tips::Amount, tips::Amount>> range_of(const json* lo, const json* hi, const Currency& c) {
  auto range = tips::default_range(c.code, c.scale);
  if (!range) return range.error();
  if (lo) {
    auto a = tips::amount_from_json(*lo, c.code, c.scale);
    if (!a) return Error{a.error().code, "minAmount: " + a.error().message};
    range->first = std::move(*a);
  }
  if (hi) {
    auto a = tips::amount_from_json(*hi, c.code, c.scale);
    if (!a) return Error{a.error().code, "maxAmount: " + a.error().message};
    range->second = std::move(*a);
  }
  return range;
}

const json* member(const json& body, const char* key) {
  auto it = body.find(key);
  return it == body.end() || it->is_null() ? nullptr : &*it;
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

// POST /plugins/wm/tiers's body, read into plain values (each string member optional).
struct TierPost {
  std::string stream, theme, segment;
  Currency currency;
  std::pair<tips::Amount, tips::Amount> range;
  const json* custom = nullptr;  // the custom tiers as sent, when given
};

Result<TierPost> tier_post(const json& b, const TierConfig& cfg) {
  if (!b.is_object()) return Error{"invalid_request", "request body must be a JSON object"};
  std::string stream_raw, code;
  TierPost p;
  for (auto [key, out] : {std::pair{"streamId", &stream_raw}, std::pair{"currency", &code},
                          std::pair{"theme", &p.theme}, std::pair{"viewerSegment", &p.segment}}) {
    const json* v = member(b, key);
    if (!v) continue;
    if (!v->is_string()) return Error{"invalid_request", std::string("'") + key + "' must be a string"};
    *out = v->get<std::string>();
  }
  auto stream = stream_of(stream_raw);
  if (!stream) return stream.error();
  p.stream = *stream;
  if (p.segment.size() > kMaxSegmentChars) return Error{"invalid_request", "viewerSegment must be at most 64 bytes"};
  std::optional<int> scale;
  if (const json* s = member(b, "assetScale")) {
    if (!s->is_number_integer() || s->get<int64_t>() < 0 || s->get<int64_t>() > tips::kMaxScale)
      return Error{"invalid_scale", "assetScale must be a whole number from 0 to 18"};
    scale = s->get<int>();
  }
  auto cur = currency_of(code, scale, cfg);
  if (!cur) return cur.error();
  p.currency = *cur;
  if (!p.theme.empty() && !tips::is_theme(p.theme))
    return Error{"invalid_theme", "unknown theme '" + p.theme.substr(0, 40) + "'; valid themes: " + tips::theme_list()};
  auto range = range_of(member(b, "minAmount"), member(b, "maxAmount"), p.currency);
  if (!range) return range.error();
  p.range = std::move(*range);
  p.custom = member(b, "custom");
  return p;
}

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
  if (tips::check_currency(base.asset_code, base.asset_scale).ok() == false) {
    base.asset_code = "EUR";
    base.asset_scale = 2;
  }
  // The configuration with the streamer wallet's currency as it is now.
  auto current = [base]() {
    TierConfig cfg = base;
    if (cfg.wallet_currency) {
      if (auto c = cfg.wallet_currency(); c && tips::check_currency(c->first, c->second)) {
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
