// The tip amounts of a whole configuration checked together, so that no saved setting can leave
// tipping broken. Pure (no store, no network): the admin settings, POST /plugins/wm/tiers and the
// flags at start call it, and a fuzzer can call it directly.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "openpayments/money.h"

namespace wm::app {

// As typed (flags, environment, config file, admin page): decimal text in the streamer's
// currency, "" for the default.
struct TipAmountSettings {
  std::string tip_min = {};       // "" = one minor unit
  std::string tip_max = {};       // "" = 100 major units
  std::string announce_min = {};  // "" = every tip is announced
};

// The streamer wallet's asset, when it is known.
struct WalletAsset {
  std::string code;
  int scale = 2;
};

// One tier amount to keep inside [tip-min, tip-max]; `field` names it for the error
// ("custom[2].amount", "maxAmount") and `label` for people ("the tier \"Gold\"").
struct TierAmount {
  std::string field;
  std::string label;
  openpayments::Amount amount;
  std::string below_field = {};  // when set, a tier below the minimum is reported here instead
};

// Rules, each error Error{"invalid_setting", sentence, field} with field = "tip-min", "tip-max",
// "announce-min" or the tier's field:
// - every value follows the decimal input rule (core/decimal.h: "00.10" and "0150" refused);
// - with the wallet's asset known, every value is representable at its scale ("1.234" is refused
//   for a 2-decimal currency) and at most 2^64-1 minor units; without it, at most 2^64-1 at the
//   finest scale given (the scale check then happens once the wallet is known);
// - tip-min > 0, tip-max > 0, tip-min <= tip-max (defaults included);
// - announce-min <= tip-max (otherwise no tip could ever be announced);
// - every tier is in the wallet's asset (or, without a wallet, all tiers share one asset) and
//   inside [tip-min, tip-max].
// `changed` lists the keys being changed, so a min > max conflict is reported at the field the
// person just edited (tip-min when both or neither changed).
Status validate_tip_settings(const TipAmountSettings& s, const std::optional<WalletAsset>& wallet,
                             const std::vector<TierAmount>& tiers = {}, const std::vector<std::string>& changed = {});

}  // namespace wm::app
