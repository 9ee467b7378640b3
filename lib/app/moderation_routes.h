// Internal to lib/app: moderation (issue 13), admin only. lib/moderation/moderator.h decides.
//
//   GET|PUT /plugins/wm/api/moderation                       {"wordFilter":{"enabled","words"},"holdForApproval"}
//   GET  /plugins/wm/api/moderation/queue                    {"tips":[{id,name,amount,display,message,receivedAt,...}]}
//   POST /plugins/wm/api/moderation/queue/{tipId}/approve    the alert and chat announcement follow
//   POST /plugins/wm/api/moderation/queue/{tipId}/reject     nothing is shown; the money stays
//   GET  /plugins/wm/api/moderation/log?limit=N              {"log":[newest first]} (1-500, default 50)
//
// Errors: 400 invalid_moderation (with field) / invalid_limit, 404 not_found (not waiting),
// 409 already_decided (a second decision), 503 unavailable (store).
#pragma once
#include <functional>

#include "http/server.h"
#include "moderation/moderator.h"
#include "openpayments/money.h"

namespace wm::app {

struct ModerationRouteConfig {
  moderation::Moderator* moderator = nullptr;
  std::function<openpayments::CurrencyStyle()> currency_style;
  size_t max_body = 64u << 10;
};

void register_moderation_routes(http::Server& server, const ModerationRouteConfig& cfg);

}  // namespace wm::app
