// What the Owncast side tells the event bus (events/events.h): the domain events that follow
// from committed webhooks, presence reconciles and idle expiry. Pure functions; the Service's
// writer calls them inside its transaction and publishes the result after the commit.
#pragma once
#include <cstdint>
#include <vector>

#include "events/events.h"
#include "owncast/event.h"
#include "owncast/event_kinds.h"
#include "owncast/presence.h"

namespace wm::owncast {

// Appends, in order, the events one change set means: viewer_left for every closed session, a
// stream_stopped for a session that ended (also one ended implicitly by a new STREAM_STARTED),
// stream_started for a new live session when `effect` is StreamEffect::started, and viewer_joined
// for every viewer who became present. Times are the changes' own (left_at, ended_at, ...).
void append_drafts(const Changes& c, StreamEffect effect, std::vector<events::Draft>& out);

// follow_received for a stored (not duplicate) FEDIVERSE_ENGAGEMENT_FOLLOW, at its event time
// (received_ns when it has none). Other kinds: nothing.
void append_follow(const Event& e, int64_t received_ns, std::vector<events::Draft>& out);

}  // namespace wm::owncast
