// Decimal amounts as people type them ("2.50" in a flag, an admin setting, a tier or a tip),
// with one rule for all of them:
//   digits, optionally a '.' followed by at least one digit; no sign, exponent, spaces or digit
//   separators; at most 48 characters; and no leading zeros: the whole part is "0" or starts
//   with 1-9. "0.50", "12", "12.5", "1.230" are fine; "00.10", "0150", "00", ".5", "5." are not.
// Amounts themselves are integers of minor units (openpayments::Amount); this converts the text.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wm::decimal {

// Ok when `text` follows the rule above; otherwise Error{"invalid_amount", reason} where the
// reason is a short phrase for a person ("no leading zeros: write 0.10, not 00.10").
Status check(std::string_view text);

// The amount in minor units at `scale` decimals: "12.5" at scale 2 is 1250. Fraction digits past
// the scale must be zeros ("1.230" is fine at scale 2). Errors (messages are reasons as above):
// "invalid_amount" (the rule), "too_precise" (e.g. "1.234" at scale 2), "too_large" (past 2^64-1).
Result<uint64_t> to_units(std::string_view text, int scale);

// Significant fraction digits (trailing zeros dropped): "1.230" -> 2, "5" -> 0. Text that fails
// check() -> 0.
int places(std::string_view text);

}  // namespace wm::decimal
