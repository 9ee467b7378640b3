// What an overlay or the dashboard receives over Server-Sent Events, and how it is framed.
//
// Events (SSE "event:" names): tip, follow, stream, goal, alert.skip, alert.replay, and for the
// admin dashboard only `support` (streaming support started / paid / stopped:
// {"seq","kind":"started"|"payment"|"stopped","id","status","name","rate","paid","display"}).
// Events that come from the bus carry "id:" = the bus seq (strictly increasing, also across
// restarts), so a reconnect's Last-Event-ID names exactly what the client has; controls
// (alert.skip, alert.replay, goal) are live only and carry no id (the client's last id stays).
// Only a cleared tip (tip_cleared: money the streamer's wallet confirmed that passed moderation,
// lib/moderation) or an admin's test becomes a `tip`; failed, denied, held and rejected tips never
// reach an overlay, and a tip_completed alone is not shown (moderation decides first).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "alerts/settings.h"
#include "events/events.h"
#include "openpayments/money.h"

namespace wm::alerts {

struct Frame {
  std::string event;
  nlohmann::json data;
  uint64_t id = 0;  // 0 = no id line
  bool dashboard_only = false;  // `support`: the admin dashboard's live stream only, never overlays
};

// "id: 7\nevent: tip\ndata: {...}\n\n" (data is one line of JSON).
std::string frame(const Frame& f);
// ": hb\n\n", a comment that keeps proxies and OBS from timing the connection out.
std::string heartbeat();

// How a tip is presented: the currency style and the streamer's alert settings.
struct View {
  openpayments::CurrencyStyle style = openpayments::CurrencyStyle::code;
  AlertSettings settings;
  openpayments::Amount sample;  // the amount of a test alert
  // Whether the streamer hid the tip's message (asked per frame, so also on replay and in the
  // history): then the `tip` data's message is "". Unset: nothing is hidden.
  std::function<bool(std::string_view tip_id)> hidden;
};

// The SSE frame for a bus event, or nullopt when overlays do not show it (tip.completed before
// moderation, tip.failed, tip.denied, presence, a tip below the alert minimum).
std::optional<Frame> frame_of(const events::Event& e, const View& view);

// The `tip` data of a cleared tip (message "" when hidden): {"id","seq","name","amount","display",
// "message","tier","test","variation","speak","at"}. "name" is "Anonymous" for anonymous tips;
// "at" is when it happened (RFC 3339, ns): for a real tip the commit that made it completed.
nlohmann::json tip_data(const events::Event& e, const events::Tip& t, const View& view);

}  // namespace wm::alerts
