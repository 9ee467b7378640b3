// Loading the shared Open Payments vector files for the openpayments tests.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "openpayments/signature.h"
#include "support/test_support.h"

namespace wm::test {

// Parsed keeping member order (header order matters in the signature vectors).
inline nlohmann::ordered_json load_vectors(const std::string& name) {
  return nlohmann::ordered_json::parse(read_file(shared_dir() + "/vectors/" + name));
}

inline openpayments::Headers headers_of(const nlohmann::ordered_json& object) {
  openpayments::Headers out;
  for (auto it = object.begin(); it != object.end(); ++it)
    out.push_back({it.key(), it.value().get<std::string>()});
  return out;
}

// A vector case's `input` as a SignRequest.
inline openpayments::SignRequest sign_request_of(const nlohmann::ordered_json& in) {
  openpayments::SignRequest r;
  r.method = in["method"];
  r.url = in["url"];
  r.headers = headers_of(in["headers"]);
  if (!in["body"].is_null()) r.body = in["body"].get<std::string>();
  r.key_id = in["keyid"];
  r.created = in["created"];
  return r;
}

}  // namespace wm::test
