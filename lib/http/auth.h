// Admin authentication for /plugins/wm/api/*: HTTP Basic, user "admin", the configured admin
// password (the convention of Owncast's own admin API).
#pragma once
#include <functional>
#include <string>

#include "http/server.h"

namespace wm::http {

// True when the request carries the admin credentials. Otherwise answers itself: 403 when no
// password is configured (saying how to set one), 401 with a Basic challenge otherwise.
bool require_admin(const Request& req, Response& res, const std::string& password);

// Decides whether a request may use an admin route; answers the refusal itself (401/403).
using AdminGuard = std::function<bool(const Request&, Response&)>;
// require_admin with a fixed password (HTTP Basic only).
AdminGuard basic_guard(std::string password);

}  // namespace wm::http
