// Internal to lib/app: goals and the goal/recent/top overlays (issue 13).
//
//   POST /plugins/wm/api/goals                   {title, target, endsAt?} -> 201 the goal (admin)
//   GET  /plugins/wm/api/goals                   {"active": goal|null, "goals": [newest first]} (admin)
//   POST /plugins/wm/api/goals/end               ends the active goal (404 no_active_goal) (admin)
//   GET  /plugins/wm/goal                        public: the active goal, or {"active":false}
//   GET  /plugins/wm/overlay/goal|recent|top?key=K        the overlay pages (wrong key: 404)
//   GET  /plugins/wm/overlay/recent/data?key=K   {"tips":[newest completed tips, as `tip` alerts]}
//   GET  /plugins/wm/overlay/top/data?key=K      the public leaderboard of the current stream
#pragma once
#include <functional>
#include <string>

#include "alerts/goals.h"
#include "alerts/overlay_key.h"
#include "alerts/sse.h"
#include "events/bus.h"
#include "http/server.h"
#include "store/store.h"

namespace wm::app {

struct GoalRouteConfig {
  alerts::Goals* goals = nullptr;
  alerts::OverlayKey* key = nullptr;
  events::Bus* bus = nullptr;
  store::Store* store = nullptr;
  std::function<alerts::View()> view;
  std::function<std::string()> live_stream_session;
  size_t max_body = 64u << 10;
};

void register_goal_routes(http::Server& server, const GoalRouteConfig& cfg);

// The `goal` SSE/public JSON of a goal (display strings in the streamer's currency style).
nlohmann::json goal_public_json(const alerts::Goal& g, openpayments::CurrencyStyle style);

}  // namespace wm::app
