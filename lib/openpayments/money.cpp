#include "openpayments/money.h"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "core/decimal.h"

namespace wm::openpayments {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

Error invalid(std::string message) { return Error{"invalid_amount", std::move(message)}; }

bool valid_code(std::string_view code) {
  return code.size() >= 3 && code.size() <= 16 && std::all_of(code.begin(), code.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
         });
}

Status same_asset(const Amount& a, const Amount& b) {
  if (a.asset_code == b.asset_code && a.asset_scale == b.asset_scale) return ok_status();
  return Error{"asset_mismatch", "amounts in different assets: " + a.asset_code + "/" +
                                     std::to_string(a.asset_scale) + " and " + b.asset_code + "/" +
                                     std::to_string(b.asset_scale)};
}

// Both values as units, once the assets agree.
Result<std::pair<uint64_t, uint64_t>> operands(const Amount& a, const Amount& b) {
  if (auto st = same_asset(a, b); !st) return st.error();
  return std::pair{a.units, b.units};
}

}  // namespace

Result<uint64_t> parse_units(std::string_view value) {
  if (value.empty()) return invalid("amount value is empty");
  if (value.size() > 1 && value[0] == '0' && value.find_first_not_of("0123456789") == std::string_view::npos)
    return invalid("amount value must not have leading zeros (\"0150\" is written \"150\")");
  uint64_t v = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return invalid("amount value must contain only the digits 0-9");
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return invalid("amount value exceeds 2^64-1");
    v = v * 10 + d;
  }
  return v;
}

Result<Amount> make_amount(uint64_t units, std::string_view asset_code, int asset_scale) {
  if (!valid_code(asset_code)) return invalid("assetCode must be 3-16 characters of A-Z and 0-9");
  if (asset_scale < 0 || asset_scale > 255) return invalid("assetScale must be 0..255");
  return Amount{units, std::string(asset_code), static_cast<uint8_t>(asset_scale)};
}

Result<Amount> parse_amount(const nlohmann::json& j) {
  if (!j.is_object()) return invalid("amount must be a JSON object");
  auto value = j.find("value"), code = j.find("assetCode"), scale = j.find("assetScale");
  if (value == j.end() || !value->is_string()) return invalid("amount value must be a string");
  if (code == j.end() || !code->is_string()) return invalid("assetCode must be a string");
  if (scale == j.end() || !scale->is_number_integer())
    return invalid("assetScale must be an integer");
  bool in_range = scale->is_number_unsigned()
                      ? scale->get<uint64_t>() <= 255
                      : scale->get<int64_t>() >= 0 && scale->get<int64_t>() <= 255;
  if (!in_range) return invalid("assetScale must be 0..255");
  auto v = parse_units(value->get_ref<const std::string&>());
  if (!v) return v.error();
  return make_amount(*v, code->get_ref<const std::string&>(), scale->get<int>());
}

nlohmann::json to_json(const Amount& a) {
  return {{"value", std::to_string(a.units)}, {"assetCode", a.asset_code}, {"assetScale", a.asset_scale}};
}

void to_json(nlohmann::json& j, const Amount& a) { j = to_json(a); }

Result<Amount> add(const Amount& a, const Amount& b) {
  auto ops = operands(a, b);
  if (!ops) return ops.error();
  auto [x, y] = *ops;
  if (x > kMax - y) return Error{"overflow", "amount sum exceeds 2^64-1"};
  return Amount{x + y, a.asset_code, a.asset_scale};
}

Result<Amount> subtract(const Amount& a, const Amount& b) {
  auto ops = operands(a, b);
  if (!ops) return ops.error();
  auto [x, y] = *ops;
  if (x < y) return Error{"underflow", "amount difference is negative"};
  return Amount{x - y, a.asset_code, a.asset_scale};
}

Result<int> compare(const Amount& a, const Amount& b) {
  auto ops = operands(a, b);
  if (!ops) return ops.error();
  auto [x, y] = *ops;
  return x < y ? -1 : x > y ? 1 : 0;
}

Result<bool> less(const Amount& a, const Amount& b) {
  auto c = compare(a, b);
  if (!c) return c.error();
  return *c < 0;
}

std::string format_amount(const Amount& a) {
  // Appends only: GCC 12 at -O3 reports false stringop-overflow errors for insert() here.
  const std::string digits = std::to_string(a.units);
  const size_t scale = a.asset_scale;
  std::string out;
  out.reserve(digits.size() + scale + 3 + a.asset_code.size());
  if (scale > 0) {
    if (digits.size() <= scale) {
      out.append("0.");
      out.append(scale - digits.size(), '0');
      out.append(digits);
    } else {
      out.append(digits, 0, digits.size() - scale);
      out.push_back('.');
      out.append(digits, digits.size() - scale, scale);
    }
  } else {
    out.append(digits);
  }
  out.push_back(' ');
  out.append(a.asset_code);
  return out;
}

std::optional<CurrencyStyle> parse_currency_style(std::string_view text) {
  if (text == "code") return CurrencyStyle::code;
  if (text == "symbol") return CurrencyStyle::symbol;
  return std::nullopt;
}

std::string_view currency_symbol(std::string_view code) {
  // Symbols a viewer reads without doubt. Where several currencies share "$", "kr" or "¥", the
  // common disambiguated prefix is used (CA$, A$, ...) and "$" / "¥" stay with USD / JPY.
  static constexpr std::pair<std::string_view, std::string_view> kSymbols[] = {
      {"USD", "$"},   {"EUR", "€"},  {"GBP", "£"},   {"JPY", "¥"},  {"CNY", "CN¥"}, {"INR", "₹"},
      {"KRW", "₩"},   {"BRL", "R$"}, {"CAD", "CA$"}, {"AUD", "A$"}, {"NZD", "NZ$"}, {"MXN", "MX$"},
      {"HKD", "HK$"}, {"SGD", "S$"}, {"ILS", "₪"},   {"NGN", "₦"},  {"PHP", "₱"},   {"THB", "฿"},
      {"TRY", "₺"},   {"UAH", "₴"},  {"VND", "₫"},   {"PLN", "zł"}, {"ZAR", "R"},   {"KES", "KSh"},
      {"BTC", "₿"},
  };
  for (const auto& [c, sym] : kSymbols)
    if (c == code) return sym;
  return {};
}

std::string restyle_display(std::string_view display, CurrencyStyle style) {
  if (style == CurrencyStyle::code) return std::string(display);
  const size_t space = display.rfind(' ');
  if (space == std::string_view::npos || space == 0) return std::string(display);
  const std::string_view number = display.substr(0, space);
  const std::string_view sym = currency_symbol(display.substr(space + 1));
  if (sym.empty() || number.find_first_not_of("0123456789.") != std::string_view::npos) return std::string(display);
  std::string out;
  out.reserve(sym.size() + number.size());
  out.append(sym);
  out.append(number);
  return out;
}

void restyle_displays(nlohmann::json& j, CurrencyStyle style) {
  if (style == CurrencyStyle::code) return;
  if (j.is_array()) {
    for (auto& v : j) restyle_displays(v, style);
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "display" && it->is_string())
        *it = restyle_display(it->get_ref<const std::string&>(), style);
      else
        restyle_displays(*it, style);
    }
  }
}

Status check_currency(std::string_view asset_code, int asset_scale) {
  if (!valid_code(asset_code))
    return Error{"invalid_currency", "currency must be a code of 3-16 characters A-Z and 0-9, like EUR"};
  if (asset_scale < 0 || asset_scale > kMaxScale)
    return Error{"invalid_scale", "assetScale must be a whole number from 0 to " + std::to_string(kMaxScale)};
  return ok_status();
}

int default_scale(std::string_view code, std::string_view wallet_code, int wallet_scale) {
  if (code == wallet_code) return wallet_scale;
  static const std::array<std::string_view, 16> zero = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW",
                                                        "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF"};
  static const std::array<std::string_view, 7> three = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
  if (std::find(zero.begin(), zero.end(), code) != zero.end()) return 0;
  if (std::find(three.begin(), three.end(), code) != three.end()) return 3;
  return 2;
}

Result<Amount> parse_decimal(std::string_view text, std::string_view asset_code, int asset_scale) {
  if (auto st = check_currency(asset_code, asset_scale); !st) return st.error();
  auto units = decimal::to_units(text, asset_scale);
  if (!units) {
    std::string why = units.error().message;
    if (units.error().code == "too_precise") why += " for " + std::string(asset_code);
    return Error{"invalid_amount", "'" + std::string(text.substr(0, 40)) + "' is not a valid amount: " + why};
  }
  return make_amount(*units, asset_code, asset_scale);
}

Result<Amount> amount_from_json(const nlohmann::json& j, std::string_view asset_code, int asset_scale) {
  if (j.is_string()) return parse_decimal(j.get_ref<const std::string&>(), asset_code, asset_scale);
  if (!j.is_object())
    return Error{"invalid_amount",
                 "an amount is {value, assetCode, assetScale} or a decimal string like \"2.50\" (never a number)"};
  auto a = parse_amount(j);
  if (!a) return a.error();
  if (a->asset_code != asset_code || a->asset_scale != asset_scale)
    return Error{"asset_mismatch", "amount is in " + a->asset_code + "/" + std::to_string(a->asset_scale) +
                                       " but it must be in " + std::string(asset_code) + "/" +
                                       std::to_string(asset_scale)};
  return a;
}

Amount amount_member(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  auto a = parse_amount(*it);
  return a ? *a : Amount{};
}

nlohmann::json to_json_or_null(const Amount& amount) { return amount.empty() ? nlohmann::json(nullptr) : to_json(amount); }

}  // namespace wm::openpayments
