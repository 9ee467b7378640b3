// libFuzzer: what the streamer's admin page sends for live alerts, and what an overlay sends back.
// The first byte picks the parser, the rest is its input:
//   0  PUT /plugins/wm/api/alerts/settings (alerts::parse_settings)
//   1  PUT /plugins/wm/api/moderation (moderation::parse_settings)
//   2  POST /plugins/wm/api/goals (alerts::parse_goal_input)
//   3  Last-Event-ID of an SSE reconnect (alerts::parse_last_event_id)
// JSON goes through the depth-limited parser first, as in the routes. Invariants: no crash; an
// accepted setting written back and parsed again is accepted and writes back the same JSON (what
// the admin page reloads is what was saved); a goal's target is above zero; an accepted
// Last-Event-ID is the decimal it came from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "alerts/goals.h"
#include "alerts/hub.h"
#include "alerts/settings.h"
#include "core/json_limits.h"
#include "moderation/settings.h"

namespace {

template <typename Parse>
void round_trip(const nlohmann::json& j, Parse parse) {
  auto first = parse(j);
  if (!first) {
    if (first.error().code.empty()) std::abort();  // a refusal names a code
    return;
  }
  const nlohmann::json written = to_json(*first);
  auto again = parse(written);
  if (!again || to_json(*again) != written) std::abort();
}

void last_event_id(std::string_view in) {
  const std::string header(in);
  auto id = wm::alerts::parse_last_event_id(header);
  if (!id) return;
  const size_t nz = header.find_first_not_of('0');
  const std::string digits = nz == std::string::npos ? "0" : header.substr(nz);
  if (std::to_string(*id) != digits) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int which = data[0] % 4;
  if (which == 3) {
    last_event_id(in);
    return 0;
  }
  auto j = wm::json_limits::parse(in);
  if (!j) return 0;
  if (which == 0) {
    round_trip(*j, [](const nlohmann::json& x) { return wm::alerts::parse_settings(x); });
  } else if (which == 1) {
    round_trip(*j, [](const nlohmann::json& x) { return wm::moderation::parse_settings(x); });
  } else {
    auto g = wm::alerts::parse_goal_input(*j, 1'700'000'000'000'000'000);
    if (g && g->target.units == 0) std::abort();
    if (!g && g.error().code.empty()) std::abort();
  }
  return 0;
}
