// Open Payments amounts: {"value":"500","assetCode":"USD","assetScale":2} = 5.00 USD.
// Inside the program an amount is an integer count of minor units with its asset; the decimal
// string "value" exists only in JSON (parse_amount / to_json) and display text (format_amount).
// Amounts are ordered only within one asset: compare/add/subtract answer "asset_mismatch" for
// two assets, and there is deliberately no operator< (== is plain equality of units and asset).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace wm::openpayments {

struct Amount {
  uint64_t units = 0;      // minor units: 1250 at scale 2 is 12.50
  std::string asset_code;  // 3-16 of A-Z 0-9, e.g. "USD", "EUR", "USDC"; empty = no amount
  uint8_t asset_scale = 0;
  bool operator==(const Amount&) const = default;
  bool empty() const { return asset_code.empty(); }  // default-constructed: no amount at all
};

// Errors use code "invalid_amount" unless noted.
// JSON "value": digits only, no leading zeros ("0150" and "00" are refused, "0" is fine), at
// most 2^64-1. The same no-leading-zero rule as every decimal input (core/decimal.h).
Result<uint64_t> parse_units(std::string_view value);
Result<Amount> make_amount(uint64_t units, std::string_view asset_code, int asset_scale);
// Strict: value must be a string of digits; assetScale an integer 0..255. Extra members ignored.
Result<Amount> parse_amount(const nlohmann::json& json);
nlohmann::json to_json(const Amount& amount);
void to_json(nlohmann::json& json, const Amount& amount);  // for nlohmann's `json j = amount`

// Same asset (code and scale) or "asset_mismatch"; "overflow" / "underflow" past uint64.
Result<Amount> add(const Amount& a, const Amount& b);
Result<Amount> subtract(const Amount& a, const Amount& b);
Result<int> compare(const Amount& a, const Amount& b);  // -1, 0, 1
Result<bool> less(const Amount& a, const Amount& b);    // a < b, same asset or "asset_mismatch"

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
