// The one table of Owncast webhook event types. Each row says, for one "type" string Owncast
// sends, how the sidecar treats it: parsing (whether eventData.timestamp orders the event and
// whether eventData.streamTitle is the stream's title), dedupe, and its effect on viewer presence
// and on the stream. Parsing (event.cpp), the writer (service.cpp) and presence (presence.cpp)
// read this table instead of comparing type strings.
//
// A new Owncast event type is one row in kKinds (event_kinds.cpp) plus, when it means something
// new, its EventKind value here. A type missing from the table is EventKind::unknown: it is still
// accepted, deduped and stored raw, with no effect on presence or the stream.
#pragma once
#include <array>
#include <cstddef>
#include <string_view>

namespace wm::owncast {

enum class EventKind {
  chat,
  user_joined,
  user_parted,
  name_change,
  visibility_update,
  stream_started,
  stream_stopped,
  stream_title_updated,
  follow,
  unknown,  // any type Owncast may add later (stored as received)
};

// What an event does to a viewer (eventData.user; bots never count).
enum class PresenceEffect {
  none,
  joined,  // present from the event's time (unless a later part was already applied)
  left,    // absent from the event's time; a part for an unknown viewer is remembered
  seen,    // activity: keeps a present viewer alive, and proves presence (joins are lossy)
  rename,  // user.displayName becomes the viewer's name
};

// What an event does to the stream session.
enum class StreamEffect {
  none,
  started,  // a new live session (eventData.id)
  stopped,  // the live session ends
  title,    // the title changes
};

struct EventKindInfo {
  EventKind kind;
  std::string_view type;     // Owncast's "type", exactly as sent
  bool dedupe;               // (type, eventData.id) identifies one delivery when the id is non-empty
  bool event_time;           // eventData.timestamp orders the event; false: the receive time does
  bool title_in_data;        // eventData.streamTitle is the title (else eventData.status.streamTitle)
  PresenceEffect presence;
  StreamEffect stream;
};

// Every known type, in the order Owncast's docs list them (known_event_types() is this order).
inline constexpr size_t kKnownKindCount = 9;

// The row for a type string; the `unknown` row (type "") for anything not in the table.
const EventKindInfo& kind_info(std::string_view type);
// The row of a kind (EventKind::unknown -> the unknown row).
const EventKindInfo& kind_info(EventKind kind);
// The known rows, in table order.
const std::array<EventKindInfo, kKnownKindCount>& known_kinds();

}  // namespace wm::owncast
