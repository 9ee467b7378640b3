#include "app/route_support.h"

#include <charconv>

namespace wm::app {

Result<std::optional<int64_t>> int_param(const http::Request& req, const char* name, int64_t min, int64_t max,
                                         const Error& bad) {
  if (!req.has_param(name)) return std::optional<int64_t>{};
  const std::string v = req.get_param_value(name);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max) return bad;
  return std::optional<int64_t>{n};
}

std::string param_or(const http::Request& req, const char* name, const std::string& fallback) {
  return req.has_param(name) ? req.get_param_value(name) : fallback;
}



void error_reply(http::Response& res, int status, const Error& e) {
  if (e.field.empty()) return http::json_error(res, status, e.code, e.message);
  http::json_reply(res, status,
                   nlohmann::json{{"error", {{"code", e.code}, {"message", e.message}, {"field", e.field}}}});
}

void styled_reply(http::Response& res, nlohmann::json out, openpayments::CurrencyStyle style) {
  openpayments::restyle_displays(out, style);
  http::json_reply(res, 200, out);
}

}  // namespace wm::app
