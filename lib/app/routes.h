// Internal to lib/app: registers every HTTP route on the server.
#pragma once
#include <string>
#include <vector>

#include "core/config.h"
#include "core/metrics.h"
#include "http/server.h"
#include "owncast/service.h"

namespace wm::app {

// `config` must outlive the server (handlers keep a reference).
void register_routes(http::Server& server, owncast::Service& service, const Config& config,
                     const std::vector<std::string>& tokens, Metrics& metrics);

}  // namespace wm::app
