// Open Payments amounts: {"value":"500","assetCode":"USD","assetScale":2} = 5.00 USD.
// Inside the program an amount is an integer count of minor units with its asset; the decimal
// string "value" exists only in JSON (parse_amount / to_json), display text (format_amount) and
// what people type (parse_decimal). This is the one money module: parsing, arithmetic, display.
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
// For records we stored ourselves: the amount member `key` of `j`, or an empty Amount when `j`
// is not an object or the member is absent, null or malformed.
Amount amount_member(const nlohmann::json& j, std::string_view key);
// to_json(amount), or null for an empty Amount ("no amount yet").
nlohmann::json to_json_or_null(const Amount& amount);

// Same asset (code and scale) or "asset_mismatch"; "overflow" / "underflow" past uint64.
Result<Amount> add(const Amount& a, const Amount& b);
Result<Amount> subtract(const Amount& a, const Amount& b);
Result<int> compare(const Amount& a, const Amount& b);  // -1, 0, 1
Result<bool> less(const Amount& a, const Amount& b);    // a < b, same asset or "asset_mismatch"

inline constexpr int kMaxScale = 18;  // the largest assetScale a streamer or viewer may use
// Checks a currency: assetCode 3-16 of A-Z 0-9 ("invalid_currency"), scale 0..18 ("invalid_scale").
Status check_currency(std::string_view asset_code, int asset_scale);
// Scale for a currency code when the caller did not give one: the wallet's scale when the code
// is the wallet's, ISO 4217 minor units for well-known 0- and 3-decimal currencies, else 2.
int default_scale(std::string_view asset_code, std::string_view wallet_code, int wallet_scale);

// "2.50" / "2.5" / "2" -> minor units at asset_scale (250 at scale 2), by the decimal input rule
// of core/decimal.h (no leading zeros: "00.10" and "0150" are refused); extra fraction digits
// must be zeros. No signs, exponents or floats. "invalid_amount".
Result<Amount> parse_decimal(std::string_view text, std::string_view asset_code, int asset_scale);
// An amount given as {value, assetCode, assetScale} (must be this currency, else
// "asset_mismatch") or as a decimal major-unit string (parse_decimal).
Result<Amount> amount_from_json(const nlohmann::json& j, std::string_view asset_code, int asset_scale);

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
