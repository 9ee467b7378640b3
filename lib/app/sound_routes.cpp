// Uploaded alert sounds (alerts/sounds.h): admin upload, list and delete; the overlay fetches a
// file with its key. Registered by register_alert_routes.
#include "alerts/sounds.h"
#include "app/alert_routes.h"
#include "core/timeutil.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

void upload(const AlertRouteConfig& c, const Request& req, Response& res) {
  auto s = alerts::add_sound(*c.store, req.get_param_value("name"), req.get_header_value("Content-Type"), req.body,
                             timeutil::now_ns());
  if (s) return http::json_reply(res, 201, alerts::to_json(*s));
  const auto& code = s.error().code;
  const int status = code == "payload_too_large" ? 413 : code == "too_many_sounds" ? 409 : code == "invalid_sound" ? 400 : 503;
  http::json_error(res, status, status == 503 ? "unavailable" : code, s.error().message);
}

}  // namespace

// The sound names a style may use: the built-in tones, "none", or an uploaded sound's id.
std::optional<std::string> unknown_sound(const store::Store& store, const alerts::AlertSettings& s) {
  auto check = [&](const json& style) -> std::optional<std::string> {
    auto it = style.find("sound");
    if (it == style.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) return std::string("(not a string)");
    const std::string name = *it;
    if (name.empty() || name == "none" || name == "chime" || name == "fanfare") return std::nullopt;
    if (alerts::read_sound(store, name)) return std::nullopt;
    return name;
  };
  if (auto bad = check(s.style)) return bad;
  for (const auto& v : s.variations)
    if (auto bad = check(v.style)) return bad;
  return std::nullopt;
}

void register_sound_routes(http::Server& server, const AlertRouteConfig& c) {
  server.post("/plugins/wm/api/alerts/sounds", Access::admin, [c](const Request& req, Response& res) { upload(c, req, res); });
  server.get("/plugins/wm/api/alerts/sounds", Access::admin, [c](const Request&, Response& res) {
    json list = json::array();
    for (const auto& s : alerts::list_sounds(*c.store)) list.push_back(alerts::to_json(s));
    http::json_reply(res, 200, {{"sounds", list}, {"maxBytes", alerts::kMaxSoundBytes}, {"maxSounds", alerts::kMaxSounds}});
  });
  server.del(R"(/plugins/wm/api/alerts/sounds/([^/]+))", Access::admin, [c](const Request& req, Response& res) {
    auto st = alerts::delete_sound(*c.store, std::string(req.matches[1]));
    if (st) {
      res.status = 204;
      return;
    }
    if (st.error().code == "not_found") return http::json_error(res, 404, "not_found", st.error().message);
    http::json_error(res, 503, "unavailable", "the sound was not deleted: " + st.error().message);
  });
  server.get(R"(/plugins/wm/overlay/sounds/([^/]+))", Access::public_, [c](const Request& req, Response& res) {
    auto s = c.key->matches(req.get_param_value("key")) ? alerts::read_sound(*c.store, std::string(req.matches[1]))
                                                         : std::nullopt;
    if (!s) return http::json_error(res, 404, "not_found", "no such route");  // wrong key or id alike
    res.set_header("Cache-Control", "private, max-age=3600");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(std::move(s->second), s->first.content_type);
  });
}

}  // namespace wm::app
