// The dashboard's tips table: JSON pages or the whole CSV export, hiding a message, resending an
// announcement.
#include "analytics/support.h"
#include "analytics/tips_export.h"
#include "app/admin_routes.h"
#include "app/route_support.h"
#include "app/tip_http.h"
#include "core/timeutil.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;


struct TipsQuery {
  analytics::TipFilter filter;
  bool csv = false;  // format=csv: every matching tip as one CSV file
};

Result<int64_t> time_param(const Request& req, const char* name) {
  if (!req.has_param(name)) return int64_t{0};
  auto t = timeutil::parse_rfc3339(req.get_param_value(name));
  if (!t || t->zero) return Error{"invalid_parameter", std::string("'") + name + "' must be an RFC 3339 time"};
  return t->unix_ns;
}

Result<TipsQuery> tips_query(const Request& req) {
  TipsQuery q;
  q.filter.status = req.get_param_value("status");
  q.filter.before = req.get_param_value("before");
  const std::string format = param_or(req, "format", "json");
  if (format != "json" && format != "csv") return Error{"invalid_parameter", "'format' must be json or csv"};
  q.csv = format == "csv";
  auto limit = int_param(req, "limit", 1, 1000, {"invalid_parameter", "'limit' must be 1-1000"});
  if (!limit) return limit.error();
  q.filter.limit = static_cast<size_t>(limit->value_or(q.csv ? 1000 : 50));
  auto from = time_param(req, "from");
  if (!from) return from.error();
  auto to = time_param(req, "to");
  if (!to) return to.error();
  q.filter.from_ns = *from;
  q.filter.to_ns = *to;
  return q;
}

// Every matching tip, page by page.
void tips_csv(const AdminContext& ctx, analytics::TipFilter f, Response& res) {
  json all = json::array();
  for (;;) {
    auto page = analytics::list_tips(*ctx.store, f);
    if (!page) return error_reply(res, 400, page.error());
    for (auto& t : (*page)["tips"]) all.push_back(std::move(t));
    if ((*page)["next"].is_null()) break;
    f.before = (*page)["next"].get<std::string>();
  }
  res.set_header("Content-Disposition", "attachment; filename=\"tips.csv\"");
  res.set_content(analytics::tips_csv(all), "text/csv; charset=utf-8");
}

void list_tips(const AdminContext& ctx, const Request& req, Response& res) {
  auto q = tips_query(req);
  if (!q) return error_reply(res, 400, q.error());
  if (q->csv) return tips_csv(ctx, q->filter, res);
  auto list = analytics::list_tips(*ctx.store, q->filter);
  if (!list) return error_reply(res, 400, list.error());
  styled_reply(res, std::move(*list), ctx.style());
}

// body: {"hidden": bool, default true}; read after the tip is found (a wrong type answers 500).
void hide(const AdminContext& ctx, const std::string& id, const json& body, Response& res) {
  auto svc = ctx.tips();
  auto t = svc ? svc->get(id) : std::nullopt;
  if (!t) return http::json_error(res, 404, "not_found", "no tip with this id");
  if (auto s = analytics::set_hidden(*ctx.store, id, body.value("hidden", true)); !s) return error_reply(res, 500, s.error());
  json out = tips::to_public(*t);
  out["hidden"] = analytics::is_hidden(*ctx.store, id);
  http::json_reply(res, 200, out);
}

void announce(const AdminContext& ctx, const std::string& id, Response& res) {
  auto svc = ctx.tips();
  auto t = svc ? svc->get(id) : std::nullopt;
  if (!t) return http::json_error(res, 404, "not_found", "no tip with this id");
  if (t->status != "completed") return http::json_error(res, 409, "not_completed", "only completed tips are announced");
  if (auto s = ctx.announce(*t); !s) return error_reply(res, 409, s.error());
  http::json_reply(res, 202, {{"queued", true}});
}

}  // namespace

void register_export_routes(http::Server& server, const AdminContext& ctx) {
  const size_t max_body = ctx.max_body;
  server.get("/plugins/wm/api/tips", Access::admin,
             [ctx](const Request& req, Response& res) { list_tips(ctx, req, res); });
  server.post(std::string("/plugins/wm/api/tips/") + kTipIdPattern + "/hide", Access::admin,
              [ctx, max_body](const Request& req, Response& res) {
                auto body = http::json_body(req, res, max_body);
                if (body) hide(ctx, req.matches[1], *body, res);
              });
  server.post(std::string("/plugins/wm/api/tips/") + kTipIdPattern + "/announce", Access::admin,
              [ctx](const Request& req, Response& res) { announce(ctx, req.matches[1], res); });
}

}  // namespace wm::app
