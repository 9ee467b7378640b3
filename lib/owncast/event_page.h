// Pages of stored webhook events for GET /plugins/wm/api/events (Service::list_events).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "store/store.h"

namespace wm::owncast {

// A page stops before this many bytes of stored events (always holding at least one event), so
// limit=1000 over 2 MiB events cannot take 2 GB; `next` continues where it stopped.
inline constexpr size_t kEventPageMaxBytes = 1u << 20;

struct EventPageQuery {
  std::string_view type;    // "" = every type
  size_t limit = 50;
  std::string_view before;  // cursor of a previous page ("" = newest)
  size_t max_bytes = kEventPageMaxBytes;
};

// {"events":[...],"next":cursor|null}, newest first. Errors: "invalid_cursor".
Result<nlohmann::json> event_page(const store::Store& store, store::Table events, store::Table by_type,
                                  const EventPageQuery& q);

// The API shape of one stored record (see stored_event in service.cpp): the header plus "data"
// (eventData of the raw body). A body nested deeper than json_limits::kMaxDepth (stored before
// the limit existed) gives "data":{} and "dataOmitted":"too_deep" instead of a tree.
nlohmann::json api_event(std::string_view stored);

}  // namespace wm::owncast
