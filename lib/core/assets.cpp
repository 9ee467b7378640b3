#include "core/assets.h"

namespace wm::assets {

std::optional<std::string_view> find(std::string_view path) {
  for (const Asset* a = all(); a->path != nullptr; ++a) {
    if (path == a->path) return a->data;
  }
  return std::nullopt;
}

std::string_view content_type(std::string_view path) {
  auto ends = [&](std::string_view s) { return path.size() >= s.size() && path.substr(path.size() - s.size()) == s; };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".yml") || ends(".yaml")) return "application/yaml; charset=utf-8";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

}  // namespace wm::assets
