#include "app/tier_input.h"

#include <algorithm>

#include "app/route_support.h"

namespace wm::app::tier_input {

namespace {

using json = nlohmann::json;

constexpr const char* kDefaultStream = "default";
constexpr size_t kMaxSegmentChars = 64;

const json* member(const json& body, const char* key) {
  auto it = body.find(key);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

Result<Currency> currency_of(std::string code, std::optional<int> scale, const TierConfig& cfg) {
  if (code.empty()) return Currency{cfg.asset_code, scale.value_or(cfg.asset_scale)};
  if (code.size() > 16) return Error{"invalid_currency", "currency must be a code of 3-16 characters A-Z and 0-9"};
  std::transform(code.begin(), code.end(), code.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
  Currency c{code, scale.value_or(openpayments::default_scale(code, cfg.asset_code, cfg.asset_scale))};
  if (auto st = openpayments::check_currency(c.code, c.scale); !st) return st.error();
  return c;
}

Result<std::optional<int>> scale_param(const http::Request& req) {
  auto n = int_param(req, "assetScale", 0, openpayments::kMaxScale,
                     {"invalid_scale", "assetScale must be a whole number from 0 to " + std::to_string(openpayments::kMaxScale)});
  if (!n) return n.error();
  return *n ? std::optional<int>{static_cast<int>(**n)} : std::nullopt;
}

Result<std::string> stream_of(const std::string& id) {
  if (id.empty()) return std::string(kDefaultStream);
  if (!tips::valid_stream_id(id))
    return Error{"invalid_stream_id", "streamId must be 1-128 characters of A-Z a-z 0-9 _ . : -"};
  return id;
}

Result<std::pair<tips::Amount, tips::Amount>> range_of(const json* lo, const json* hi, const Currency& c) {
  auto range = tips::default_range(c.code, c.scale);
  if (!range) return range.error();
  if (lo) {
    auto a = openpayments::amount_from_json(*lo, c.code, c.scale);
    if (!a) return Error{a.error().code, "minAmount: " + a.error().message};
    range->first = std::move(*a);
  }
  if (hi) {
    auto a = openpayments::amount_from_json(*hi, c.code, c.scale);
    if (!a) return Error{a.error().code, "maxAmount: " + a.error().message};
    range->second = std::move(*a);
  }
  return range;
}

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
    if (!s->is_number_integer() || s->get<int64_t>() < 0 || s->get<int64_t>() > openpayments::kMaxScale)
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

}  // namespace wm::app::tier_input
