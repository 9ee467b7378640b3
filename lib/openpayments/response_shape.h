// Small readers for Open Payments answers (lib/openpayments only): a member that is present and
// not null, a string member, and the OpError for a local failure or an answer of the wrong shape.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "openpayments/client.h"

namespace wm::openpayments::shape {

inline OpError local_error(std::string code, std::string description) {
  OpError e;
  e.code = std::move(code);
  e.description = std::move(description);
  return e;
}

inline OpError bad_shape(const std::string& what) {
  std::string m = "unexpected response from the server: ";
  m.append(what);
  return local_error("invalid_response", m);
}

inline const nlohmann::json* member(const nlohmann::json& j, const char* name) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

inline bool get_string(const nlohmann::json& j, const char* name, std::string* out) {
  const auto* m = member(j, name);
  if (!m || !m->is_string()) return false;
  *out = m->get<std::string>();
  return true;
}

// The access token of a grant answer ({value, manage, expires_in?, access}).
OpResult<AccessToken> parse_access_token(const nlohmann::json& j);

}  // namespace wm::openpayments::shape
