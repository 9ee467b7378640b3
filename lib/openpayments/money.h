// Open Payments amounts: {"value":"500","assetCode":"USD","assetScale":2} = 5.00 USD.
// value is a JSON string holding an unsigned 64-bit count of minor units. Integer arithmetic only.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wm::openpayments {

struct Amount {
  std::string value;       // canonical decimal: digits only, no leading zeros except "0"
  std::string asset_code;  // 3-16 of A-Z 0-9, e.g. "USD", "EUR", "USDC"
  uint8_t asset_scale = 0;
  bool operator==(const Amount&) const = default;
};

// Errors use code "invalid_amount" unless noted.
Result<uint64_t> parse_units(std::string_view value);  // digits only; leading zeros allowed
Result<Amount> make_amount(uint64_t units, std::string_view asset_code, int asset_scale);
// Strict: value must be a string of digits; assetScale an integer 0..255. Extra members ignored.
Result<Amount> parse_amount(const nlohmann::json& json);
nlohmann::json to_json(const Amount& amount);
void to_json(nlohmann::json& json, const Amount& amount);  // for nlohmann's `json j = amount`

Result<uint64_t> units(const Amount& amount);
// Same asset (code and scale) or "asset_mismatch"; "overflow" / "underflow" past uint64.
Result<Amount> add(const Amount& a, const Amount& b);
Result<Amount> subtract(const Amount& a, const Amount& b);
Result<int> compare(const Amount& a, const Amount& b);  // -1, 0, 1

// "12.34 EUR" for value 1234 at scale 2; all scale digits kept ("5.00 USD", "0.000000001 XRP").
std::string format_amount(const Amount& amount);

// How amounts are shown to people (the streamer's "currency display" setting).
enum class CurrencyStyle { code, symbol };
// "code" / "symbol"; anything else -> nullopt.
std::optional<CurrencyStyle> parse_currency_style(std::string_view text);
// The symbol of a well-known currency ("€" for EUR, "US$"-style prefixes where "$" is shared),
// or "" when it has none (the code is shown then).
std::string_view currency_symbol(std::string_view asset_code);
// format_amount's "12.34 EUR" -> "€12.34" for CurrencyStyle::symbol when EUR has a symbol;
// anything else (code style, unknown currency, not that shape) comes back unchanged.
std::string restyle_display(std::string_view display, CurrencyStyle style);
// Every string member named "display", at any depth, restyled (API answers at the HTTP edge).
void restyle_displays(nlohmann::json& j, CurrencyStyle style);

}  // namespace wm::openpayments
