#include "app/settings_validate.h"

#include <algorithm>
#include <limits>

#include "core/decimal.h"

namespace wm::app {

namespace {

using openpayments::Amount;

// Stands for "the streamer's currency" while the wallet (and so its code) is not known yet.
constexpr const char* kUnknownAsset = "UNKNOWN";
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

struct Named {
  const char* key;
  const char* label;
  const std::string& text;
};

Error bad(std::string field, std::string message) {
  return Error{"invalid_setting", std::move(message), std::move(field)};
}

// "12.50 EUR", or "12.50" while the currency is unknown.
std::string show(const Amount& a) {
  std::string s = openpayments::format_amount(a);
  if (a.asset_code == kUnknownAsset) s.resize(s.size() - a.asset_code.size() - 1);
  return s;
}

uint64_t hundred_major(int scale) {
  uint64_t v = 100;
  for (int i = 0; i < scale; ++i) {
    if (v > kMax / 10) return kMax;
    v *= 10;
  }
  return v;
}

// The asset every amount is read in: the wallet's; else the tiers' own; else an unknown one at
// the finest scale typed (so that "0.5" and "10" compare).
Result<WalletAsset> reference(const TipAmountSettings& s, const std::optional<WalletAsset>& wallet,
                              const std::vector<TierAmount>& tiers) {
  if (wallet) return *wallet;
  if (!tiers.empty()) {
    const Amount& first = tiers.front().amount;
    for (const auto& t : tiers)
      if (t.amount.asset_code != first.asset_code || t.amount.asset_scale != first.asset_scale)
        return bad(t.field, "All tiers must be in one currency: " + t.label + " is in " + t.amount.asset_code +
                                ", the first tier in " + first.asset_code + ".");
    return WalletAsset{first.asset_code, first.asset_scale};
  }
  int scale = 0;
  for (const std::string* t : {&s.tip_min, &s.tip_max, &s.announce_min}) scale = std::max(scale, decimal::places(*t));
  return WalletAsset{kUnknownAsset, scale};
}

Result<std::optional<Amount>> parse(const Named& n, const WalletAsset& asset) {
  if (n.text.empty()) return std::optional<Amount>{};
  const std::string typed = n.text.substr(0, 40);
  auto u = decimal::to_units(n.text, asset.scale);
  if (!u) {
    const std::string& code = u.error().code;
    if (code == "too_precise")
      return bad(n.key, std::string(n.label) + " (" + typed + ") has more decimal places than " + asset.code +
                            " allows (" + std::to_string(asset.scale) + ").");
    if (code == "too_large") return bad(n.key, std::string(n.label) + " (" + typed + ") is too large.");
    return bad(n.key, std::string(n.label) + " (" + typed + ") is not an amount: " + u.error().message + ".");
  }
  auto a = openpayments::make_amount(*u, asset.code, asset.scale);
  if (!a) return bad(n.key, std::string(n.label) + ": " + a.error().message + ".");
  return std::optional<Amount>{*a};
}

bool has(const std::vector<std::string>& changed, const char* key) {
  return std::find(changed.begin(), changed.end(), key) != changed.end();
}

Status check_tiers(const std::vector<TierAmount>& tiers, const Amount& lo, const Amount& hi) {
  for (const auto& t : tiers) {
    auto below = openpayments::less(t.amount, lo);
    auto above = openpayments::less(hi, t.amount);
    if (!below || !above)
      return bad(t.field, "The tier " + t.label + " is in " + t.amount.asset_code + ", but tips are received in " +
                              lo.asset_code + ".");
    if (*below)
      return bad(t.below_field.empty() ? t.field : t.below_field, "The tier " + t.label + " (" + show(t.amount) + ") is below the minimum tip (" + show(lo) +
                              ").");
    if (*above)
      return bad(t.field, "The tier " + t.label + " (" + show(t.amount) + ") is above the maximum tip (" + show(hi) +
                              ").");
  }
  return ok_status();
}

}  // namespace

Status validate_tip_settings(const TipAmountSettings& s, const std::optional<WalletAsset>& wallet,
                             const std::vector<TierAmount>& tiers, const std::vector<std::string>& changed) {
  auto asset = reference(s, wallet, tiers);
  if (!asset) return asset.error();
  auto min = parse({"tip-min", "Minimum tip", s.tip_min}, *asset);
  if (!min) return min.error();
  auto max = parse({"tip-max", "Maximum tip", s.tip_max}, *asset);
  if (!max) return max.error();
  auto ann = parse({"announce-min", "Minimum amount to announce", s.announce_min}, *asset);
  if (!ann) return ann.error();

  if (*min && (*min)->units == 0) return bad("tip-min", "Minimum tip must be more than zero.");
  if (*max && (*max)->units == 0) return bad("tip-max", "Maximum tip must be more than zero.");
  const Amount lo = min->value_or(Amount{1, asset->code, static_cast<uint8_t>(asset->scale)});
  const Amount hi = max->value_or(Amount{hundred_major(asset->scale), asset->code, static_cast<uint8_t>(asset->scale)});
  if (auto inverted = openpayments::less(hi, lo); inverted && *inverted) {
    if (has(changed, "tip-max") && !has(changed, "tip-min"))
      return bad("tip-max", "Maximum tip (" + show(hi) + ") must not be below the minimum tip (" + show(lo) + ").");
    return bad("tip-min", "Minimum tip (" + show(lo) + ") must not be above the maximum tip (" + show(hi) + ").");
  }
  if (*ann) {
    if (auto above = openpayments::less(hi, **ann); above && *above)
      return bad("announce-min", "Minimum amount to announce (" + show(**ann) + ") is above the maximum tip (" +
                                     show(hi) + "): no tip would ever be announced.");
  }
  return check_tiers(tiers, lo, hi);
}

}  // namespace wm::app
