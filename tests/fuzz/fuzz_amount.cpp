// libFuzzer: amounts. Open Payments integer strings (parse_units), amount objects
// (parse_amount) and the streamer's decimal strings (openpayments::parse_decimal), with invariants.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_limits.h"
#include "openpayments/money.h"
#include "tips/tiers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int scale = data[0] % 24;  // beyond 18 must be refused, not overflow
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  if (auto u = wm::openpayments::parse_units(text)) {
    // Digits only, no leading zeros (the decimal input rule): the value printed back is the text.
    if (std::to_string(*u) != text) __builtin_trap();
  }
  if (auto d = wm::openpayments::parse_decimal(text, "EUR", scale)) {
    if (d->asset_scale != scale || d->asset_code != "EUR") __builtin_trap();
    // Minor units print back as a valid JSON value.
    if (!wm::openpayments::parse_units(std::to_string(d->units))) __builtin_trap();
  }
  auto j = wm::json_limits::parse(text);
  if (j) {
    if (auto a = wm::openpayments::parse_amount(*j)) {
      // JSON round trip keeps the integer.
      auto back = wm::openpayments::parse_amount(wm::openpayments::to_json(*a));
      if (!back || !(*back == *a)) __builtin_trap();
      auto sum = wm::openpayments::add(*a, *a);
      if (sum && sum->units < a->units) __builtin_trap();
      auto cmp = wm::openpayments::compare(*a, *a);
      if (cmp && *cmp != 0) __builtin_trap();
    }
  }
  return 0;
}
