// Web Monetization revenue (lib/support/wm_revenue.h), admin route:
//   GET /plugins/wm/api/web-monetization/revenue -> {totals:[{value,assetCode,assetScale,display}],
//       payments, lastCheckedAt (null before the first check that succeeded), error?:{code,message}}
#pragma once
#include <functional>

#include "http/server.h"
#include "openpayments/money.h"
#include "store/store.h"

namespace wm::app {

void register_wm_revenue_routes(http::Server& server, store::Store& store,
                                std::function<openpayments::CurrencyStyle()> style);

}  // namespace wm::app
