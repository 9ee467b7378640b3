// What the tip service tells the event bus: a tip's final state as a typed event
// (events::Tip), published after the tip service committed it. Subscribers (announcements,
// analytics, ...) live in their own modules; app.cpp only wires them.
#pragma once
#include <optional>
#include <string>

#include "events/bus.h"
#include "store/store.h"
#include "tips/tip_service.h"

namespace wm::app {

// The event body of a tip (secrets cleared by the tip service): no sender, no stream session.
events::Tip tip_body(const tips::TipRecord& t);

// The bus event of a final status: completed -> tip_completed, failed -> tip_failed, denied ->
// tip_denied; nullopt for expired and cancelled (the viewer never approved anything).
std::optional<events::Type> tip_event_type(tips::TipStatus status);

// Publishes the tip's final event with the sender as analytics::hash_sender and the Owncast
// session live now, at the tip's last update (its completion). Failures are logged. Returns
// whether the event is journaled (or, for a status without an event, true).
// Test hook: with OWNCAST_WM_TEST_CRASH_AFTER=tip_published in the environment the process
// kills itself (SIGKILL) right after a tip_completed was published, before the tip service
// records that it ran (the window durable subscribers and idempotent handlers cover).
bool publish_tip(events::Bus& bus, store::Store& store, const tips::TipRecord& t, const std::string& stream_session);

}  // namespace wm::app
