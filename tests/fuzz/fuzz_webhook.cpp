// libFuzzer: an Owncast webhook body through the parser, and (when accepted) through the
// stored form and the events listing's api_event(), which is what GET /api/events serves.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_limits.h"
#include "owncast/event.h"
#include "owncast/event_page.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto ev = wm::owncast::parse_event(body);
  if (ev) {
    if (ev->type.size() > wm::owncast::kMaxTypeBytes || ev->id.size() > wm::owncast::kMaxIdBytes) __builtin_trap();
    if (wm::json_limits::depth(ev->data) > wm::json_limits::kMaxDepth) __builtin_trap();
  }
  // The listing reads whatever the store holds, including bodies stored before any limit.
  std::string stored = R"({"type":"CHAT","id":"x","eventTime":null,"receivedAt":"2026-01-01T00:00:00Z","user":null})";
  stored += '\n';
  stored.append(body);
  auto api = wm::owncast::api_event(stored);
  (void)api.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
