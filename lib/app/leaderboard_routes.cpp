// The dashboard's analytics summary (admin) and the public leaderboard.
#include "analytics/leaderboard.h"
#include "analytics/summary.h"
#include "app/admin_routes.h"
#include "app/route_support.h"
#include "core/timeutil.h"

namespace wm::app {

namespace {

using http::Access;
using http::Request;
using http::Response;

struct SummaryQuery {
  std::string stream_id;  // "": every stream
  std::string timeframe;  // default last_7d
};

void summary(const AdminContext& ctx, const SummaryQuery& q, Response& res) {
  auto s = analytics::summary(*ctx.store, q.stream_id, q.timeframe, timeutil::now_ns());
  if (!s) return error_reply(res, 400, s.error());
  styled_reply(res, std::move(*s), ctx.style());
}

void leaderboard(const AdminContext& ctx, const std::string& period, Response& res) {
  res.set_header("Access-Control-Allow-Origin", "*");
  res.set_header("Cache-Control", "no-store");
  auto l = analytics::leaderboard(*ctx.store, period, timeutil::now_ns(), ctx.live_stream_session());
  if (!l) return error_reply(res, 400, l.error());
  styled_reply(res, std::move(*l), ctx.style());
}

}  // namespace

void register_leaderboard_routes(http::Server& server, const AdminContext& ctx) {
  server.get("/plugins/wm/analytics/summary", Access::admin, [ctx](const Request& req, Response& res) {
    summary(ctx, {req.get_param_value("streamId"), param_or(req, "timeframe", "last_7d")}, res);
  });
  server.get("/plugins/wm/leaderboard", Access::public_, [ctx](const Request& req, Response& res) {
    leaderboard(ctx, param_or(req, "period", "stream"), res);
  });
}

}  // namespace wm::app
