#include "core/decimal.h"

#include <algorithm>
#include <limits>

namespace wm::decimal {

namespace {

constexpr size_t kMaxChars = 48;
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct Parts {
  std::string_view whole, frac;
};

Parts split(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return {text, {}};
  return {text.substr(0, dot), text.substr(dot + 1)};
}

}  // namespace

Status check(std::string_view text) {
  const Parts p = split(text);
  const bool has_dot = text.find('.') != std::string_view::npos;
  if (text.empty() || text.size() > kMaxChars || p.whole.empty() || !all_digits(p.whole) || !all_digits(p.frac) ||
      (has_dot && p.frac.empty()))
    return Error{"invalid_amount", "expected a decimal like 2.50"};
  if (p.whole.size() > 1 && p.whole[0] == '0')
    return Error{"invalid_amount", "no leading zeros: write 0.10, not 00.10, and 150, not 0150"};
  return ok_status();
}

Result<uint64_t> to_units(std::string_view text, int scale) {
  if (auto st = check(text); !st) return st.error();
  if (scale < 0 || scale > 255) return Error{"invalid_amount", "the currency's scale must be 0..255"};
  Parts p = split(text);
  const auto s = static_cast<size_t>(scale);
  if (p.frac.size() > s) {
    if (p.frac.find_first_not_of('0', s) != std::string_view::npos)
      return Error{"too_precise", "more than " + std::to_string(scale) + " decimal places"};
    p.frac = p.frac.substr(0, s);
  }
  uint64_t v = 0;
  auto push = [&v](unsigned d) {
    if (v > (kMax - d) / 10) return false;
    v = v * 10 + d;
    return true;
  };
  for (char c : p.whole)
    if (!push(static_cast<unsigned>(c - '0'))) return Error{"too_large", "too large (at most 2^64-1 minor units)"};
  for (size_t i = 0; i < s; ++i) {
    const unsigned d = i < p.frac.size() ? static_cast<unsigned>(p.frac[i] - '0') : 0u;
    if (!push(d)) return Error{"too_large", "too large (at most 2^64-1 minor units)"};
    if (v == 0 && i >= p.frac.size()) break;  // zero stays zero: no need to scale it up
  }
  return v;
}

int places(std::string_view text) {
  if (!check(text)) return 0;
  std::string_view frac = split(text).frac;
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  return static_cast<int>(frac.size());
}

}  // namespace wm::decimal
