// libFuzzer: the Owncast 0.3.0 webhook signature header ("t=<unix>.s=<hex>"). Input:
// "<header>\n<body>"; the clock is fixed, so only the seed's real HMAC verifies.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "owncast/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view header = in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  const int64_t now = 1777749271;
  auto check = wm::owncast::verify_signature(header, body, "fuzz-secret", now);
  if (check == wm::owncast::SignatureCheck::ok) {
    // Only the real HMAC verifies (the hex may be upper case); anything else is a forgery.
    std::string lower(header);
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    if (lower != wm::owncast::sign(body, "fuzz-secret", now)) __builtin_trap();
  }
  if (header.empty() != (check == wm::owncast::SignatureCheck::missing)) __builtin_trap();
  // The header we build ourselves always verifies.
  if (wm::owncast::verify_signature(wm::owncast::sign(body, "fuzz-secret", now), body, "fuzz-secret", now) !=
      wm::owncast::SignatureCheck::ok)
    __builtin_trap();
  return 0;
}
