// Small readers for JSON members, one definition for every module (nlohmann::json underneath).
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wm::json_util {

// The string member `key` of object `j`; "" when j is not an object, or the member is missing or
// is not a string.
inline std::string str(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace wm::json_util
