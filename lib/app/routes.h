// Internal to lib/app: registers every HTTP route on the server.
#pragma once
#include <string>
#include <vector>

#include "core/config.h"
#include "core/metrics.h"
#include "http/auth.h"
#include "http/server.h"
#include "owncast/service.h"

namespace wm::app {

// `service` and `metrics` must outlive the server (handlers keep references). public_url is asked
// per request (it is known only after bind()).
void register_routes(http::Server& server, owncast::Service& service, std::function<std::string()> public_url,
                     http::AdminGuard admin, const std::vector<std::string>& tokens, Metrics& metrics);

}  // namespace wm::app
