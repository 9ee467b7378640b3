#include "app/admin_routes.h"

namespace wm::app {

void register_admin_routes(http::Server& server, const AdminContext& ctx) {
  register_admin_login_routes(server, ctx);
  register_settings_routes(server, ctx);
  register_setup_routes(server, ctx);
  register_connect_routes(server, ctx);
  register_export_routes(server, ctx);
  register_leaderboard_routes(server, ctx);
  register_web_monetization_routes(server, ctx);
}

}  // namespace wm::app
