#include "openpayments/money.h"

#include <algorithm>
#include <limits>

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
  auto x = units(a), y = units(b);
  if (!x) return x.error();
  if (!y) return y.error();
  return std::pair{*x, *y};
}

}  // namespace

Result<uint64_t> parse_units(std::string_view value) {
  if (value.empty()) return invalid("amount value is empty");
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
  return Amount{std::to_string(units), std::string(asset_code), static_cast<uint8_t>(asset_scale)};
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
  return {{"value", a.value}, {"assetCode", a.asset_code}, {"assetScale", a.asset_scale}};
}

void to_json(nlohmann::json& j, const Amount& a) { j = to_json(a); }

Result<uint64_t> units(const Amount& a) { return parse_units(a.value); }

Result<Amount> add(const Amount& a, const Amount& b) {
  auto ops = operands(a, b);
  if (!ops) return ops.error();
  auto [x, y] = *ops;
  if (x > kMax - y) return Error{"overflow", "amount sum exceeds 2^64-1"};
  return Amount{std::to_string(x + y), a.asset_code, a.asset_scale};
}

Result<Amount> subtract(const Amount& a, const Amount& b) {
  auto ops = operands(a, b);
  if (!ops) return ops.error();
  auto [x, y] = *ops;
  if (x < y) return Error{"underflow", "amount difference is negative"};
  return Amount{std::to_string(x - y), a.asset_code, a.asset_scale};
}

Result<int> compare(const Amount& a, const Amount& b) {
  auto ops = operands(a, b);
  if (!ops) return ops.error();
  auto [x, y] = *ops;
  return x < y ? -1 : x > y ? 1 : 0;
}

std::string format_amount(const Amount& a) {
  auto u = units(a);
  std::string digits = u ? std::to_string(*u) : "?";
  size_t scale = a.asset_scale;
  if (u && scale > 0) {
    if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
    digits.insert(digits.size() - scale, ".");
  }
  return digits + " " + a.asset_code;
}

}  // namespace wm::openpayments
