// Time: RFC 3339 parsing/formatting, clocks. All stored times are UTC Unix nanoseconds.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wm::timeutil {

int64_t now_ns();        // wall clock
int64_t monotonic_ns();  // for durations

// RFC 3339 with 0-9 fraction digits and 'Z' or +hh:mm / -hh:mm. Returns UTC ns since epoch.
// Go's zero time (year 1) parses as nullopt via is_zero flag below.
struct Parsed {
  int64_t unix_ns = 0;
  bool zero = false;  // "0001-01-01T00:00:00Z": Go's zero time, meaning unset
};
std::optional<Parsed> parse_rfc3339(std::string_view text);

// "2026-01-02T03:04:05.123456789Z" with trailing zeros trimmed (like Go), always UTC.
std::string format_rfc3339(int64_t unix_ns);
// For JSON APIs: the RFC 3339 string, or null when the time is unset (0).
nlohmann::json rfc3339_or_null(int64_t unix_ns);

}  // namespace wm::timeutil
