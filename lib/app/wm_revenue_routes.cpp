// GET /plugins/wm/api/web-monetization/revenue (wm_revenue_routes.h): read only, from the table the
// revenue worker keeps; it never calls the wallet.
#include "app/wm_revenue_routes.h"

#include "support/wm_revenue.h"

namespace wm::app {

void register_wm_revenue_routes(http::Server& server, store::Store& store,
                                std::function<openpayments::CurrencyStyle()> style) {
  server.get("/plugins/wm/api/web-monetization/revenue", http::Access::admin,
             [&store, style](const http::Request&, http::Response& res) {
               http::json_reply(res, 200, support::wm_revenue_summary(store, style()));
             });
}

}  // namespace wm::app
