#include "owncast/event_kinds.h"

namespace wm::owncast {

namespace {

using P = PresenceEffect;
using S = StreamEffect;

// The table. NAME_CHANGE's id and timestamp come from the viewer's browser (the stock client
// sends "" and Go's zero time), so it is never deduped and is ordered by its receive time.
// VISIBILITY-UPDATE's user is always null; a follow is nobody's presence.
constexpr std::array<EventKindInfo, kKnownKindCount> kKinds = {{
    //  kind                          type                           dedupe time   title  presence      stream
    {EventKind::chat,                 "CHAT",                        true,  true,  false, P::seen,    S::none},
    {EventKind::user_joined,          "USER_JOINED",                 true,  true,  false, P::joined,  S::none},
    {EventKind::user_parted,          "USER_PARTED",                 true,  true,  false, P::left,    S::none},
    {EventKind::name_change,          "NAME_CHANGE",                 false, false, false, P::rename,  S::none},
    {EventKind::visibility_update,    "VISIBILITY-UPDATE",           true,  true,  false, P::none,    S::none},
    {EventKind::stream_started,       "STREAM_STARTED",              true,  true,  true,  P::none,    S::started},
    {EventKind::stream_stopped,       "STREAM_STOPPED",              true,  true,  true,  P::none,    S::stopped},
    {EventKind::stream_title_updated, "STREAM_TITLE_UPDATED",        true,  true,  true,  P::none,    S::title},
    {EventKind::follow,               "FEDIVERSE_ENGAGEMENT_FOLLOW", true,  true,  false, P::none,    S::none},
}};

constexpr EventKindInfo kUnknown = {EventKind::unknown, "", true, true, false, P::none, S::none};

}  // namespace

const EventKindInfo& kind_info(std::string_view type) {
  for (const auto& k : kKinds)
    if (k.type == type) return k;
  return kUnknown;
}

const EventKindInfo& kind_info(EventKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k;
  return kUnknown;
}

const std::array<EventKindInfo, kKnownKindCount>& known_kinds() { return kKinds; }

}  // namespace wm::owncast
