#include "http/auth.h"

#include "core/crypto.h"

namespace wm::http {

bool require_admin(const Request& req, Response& res, const std::string& password) {
  if (password.empty()) {
    json_error(res, 403, "admin_disabled",
               "no admin password is configured; set --admin-password or OWNCAST_WM_ADMIN_PASSWORD");
    return false;
  }
  const std::string header = req.get_header_value("Authorization");
  bool ok = false;
  if (header.size() > 6 && (header.compare(0, 6, "Basic ") == 0 || header.compare(0, 6, "basic ") == 0)) {
    auto decoded = crypto::unbase64(std::string_view(header).substr(6));
    if (decoded) {
      // Compare the whole "admin:<password>" so timing reveals nothing about either part.
      ok = crypto::ct_equal(*decoded, "admin:" + password);
    }
  }
  if (!ok) {
    res.set_header("WWW-Authenticate", "Basic realm=\"owncast-wm\", charset=\"UTF-8\"");
    json_error(res, 401, "unauthorized", "admin credentials required (HTTP Basic, user 'admin')");
  }
  return ok;
}

AdminGuard basic_guard(std::string password) {
  return [password = std::move(password)](const Request& req, Response& res) {
    return require_admin(req, res, password);
  };
}

}  // namespace wm::http
