// The admin page and its API (issue 5), one file per concern:
//   admin_login_routes.cpp  GET /plugins/wm/admin (the page), GET /admin/session (public:
//                           {authenticated, passwordSet, csrfToken, idleTimeoutSeconds}),
//                           POST /admin/setup|login|logout, POST /api/password
//   settings_routes.cpp     GET|PUT /api/settings, POST /api/announce/preview
//   setup_routes.cpp        POST /api/setup/wallet|key|key/test, GET /api/setup/state
//   connect_routes.cpp      POST /api/owncast/test|connect
//   export_routes.cpp       GET /api/tips (JSON pages or CSV), POST /api/tips/{id}/hide|announce
//   leaderboard_routes.cpp  GET /plugins/wm/analytics/summary (admin), /plugins/wm/leaderboard (public)
// Admin routes accept a session cookie (state-changing requests also need X-CSRF-Token) or
// HTTP Basic admin:<password> for scripts: the server's admin guard checks (admin_http.h).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "admin/auth.h"
#include "app/settings.h"
#include "http/server.h"
#include "owncast/service.h"
#include "openpayments/money.h"
#include "store/store.h"
#include "tips/tip_service.h"

namespace wm::app {

struct AdminContext {
  store::Store* store = nullptr;
  admin::AdminAuth* auth = nullptr;
  Settings* settings = nullptr;
  owncast::Service* service = nullptr;
  std::vector<std::string> webhook_tokens;
  std::string data_dir;
  size_t max_body = 64u << 10;
  std::function<std::string()> public_url;
  std::function<std::string()> webhook_base_url;  // where Owncast calls the webhook (unset: public_url)
  // Applies the settings (rebuilds the Open Payments client, tip service, announcer).
  std::function<Status()> reconfigure;
  std::function<std::shared_ptr<tips::TipService>()> tips;
  // Queues a tip's chat announcement again (the streamer's "resend").
  std::function<Status(const tips::TipRecord&)> announce;
  // Renders the announcement template for a preview; options: the request body (optional
  // "currencyDisplay" to preview an unsaved choice, "message" to preview another message).
  std::function<Result<std::string>(const std::string& tmpl, const nlohmann::json& options)> preview;
  // The Owncast stream session live now ("" when offline), for the leaderboard's "stream" period.
  std::function<std::string()> live_stream_session;
  // How "display" amounts read in analytics, the leaderboard and the tips list (currency-display).
  std::function<openpayments::CurrencyStyle()> currency_style;

  openpayments::CurrencyStyle style() const {
    return currency_style ? currency_style() : openpayments::CurrencyStyle::code;
  }
};

// Every admin route below; Access::admin ones pass the server's admin guard (admin_http.h).
void register_admin_routes(http::Server& server, const AdminContext& ctx);

// The route groups, one file each (register_admin_routes calls them all):
void register_admin_login_routes(http::Server& server, const AdminContext& ctx);  // admin_login_routes.cpp
void register_settings_routes(http::Server& server, const AdminContext& ctx);     // settings_routes.cpp
void register_setup_routes(http::Server& server, const AdminContext& ctx);        // setup_routes.cpp
void register_connect_routes(http::Server& server, const AdminContext& ctx);      // connect_routes.cpp
void register_export_routes(http::Server& server, const AdminContext& ctx);       // export_routes.cpp
void register_leaderboard_routes(http::Server& server, const AdminContext& ctx);  // leaderboard_routes.cpp
void register_web_monetization_routes(http::Server& server, const AdminContext& ctx);  // web_monetization_routes.cpp

}  // namespace wm::app
