// The admin page and its API (issue 5):
//   GET  /plugins/wm/admin                      the single-page app (ui/admin)
//   GET  /plugins/wm/admin/session              public: {authenticated, passwordSet, csrfToken, idleTimeoutSeconds}
//   POST /plugins/wm/admin/setup|login|logout   first-run password, login, logout
//   /plugins/wm/api/settings, /api/setup/*, /api/owncast/*, /api/announce/preview, /api/tips*,
//   /plugins/wm/analytics/summary (admin) and /plugins/wm/leaderboard (public).
// Admin routes accept a session cookie (state-changing requests also need X-CSRF-Token) or
// HTTP Basic admin:<password> for scripts.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "admin/auth.h"
#include "app/settings.h"
#include "http/auth.h"
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
};

// Session cookie (+CSRF for state changes) or HTTP Basic. Adds the admin security headers.
// `server` (for client_ip()) must outlive the guard.
http::AdminGuard make_admin_guard(admin::AdminAuth& auth, std::function<std::string()> public_url,
                                  const http::Server& server);

void register_admin_routes(http::Server& server, const AdminContext& ctx, const http::AdminGuard& guard);

}  // namespace wm::app
