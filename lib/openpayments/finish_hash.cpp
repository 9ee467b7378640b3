#include "openpayments/finish_hash.h"

#include <algorithm>
#include <map>
#include <optional>

#include "core/crypto.h"

namespace wm::openpayments {
namespace {

std::string digest(const FinishHashInput& in, std::string_view endpoint) {
  FinishHashInput copy = in;
  copy.auth_server = std::string(endpoint);
  return crypto::sha256(finish_hash_input(copy));
}

bool matches(std::string_view received, const std::string& raw) {
  // Non-short-circuit '|' so every comparison always runs.
  return crypto::ct_equal(received, crypto::base64(raw)) |
         crypto::ct_equal(received, crypto::base64url(raw));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> form_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
      int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
      if (lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

FinishRedirect invalid(std::string message) {
  FinishRedirect r;
  r.result = "invalid_redirect";
  r.message = std::move(message);
  return r;
}

}  // namespace

std::string finish_hash_input(const FinishHashInput& in) {
  return in.client_nonce + "\n" + in.interact_finish + "\n" + in.interact_ref + "\n" +
         in.auth_server;
}

std::string finish_hash(const FinishHashInput& in) {
  return crypto::base64(digest(in, in.auth_server));
}

bool verify_finish_hash(std::string_view received, const FinishHashInput& in) {
  bool verbatim = matches(received, digest(in, in.auth_server));
  bool slash = matches(received, digest(in, in.auth_server + "/"));
  return verbatim | slash;
}

FinishRedirect parse_finish_redirect(std::string_view url) {
  url = url.substr(0, url.find('#'));
  if (size_t q = url.find('?'); q != std::string_view::npos)
    url.remove_prefix(q + 1);
  else if (url.find("://") != std::string_view::npos)
    url = {};
  std::map<std::string, std::string> params;
  for (size_t start = 0; start <= url.size();) {
    size_t amp = std::min(url.find('&', start), url.size());
    std::string_view pair = url.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = form_decode(pair.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!key || !value) return invalid("malformed percent-encoding in the redirect");
    if (*key != "hash" && *key != "interact_ref" && *key != "result" && *key != "message")
      continue;  // our own finish URI parameters
    if (!params.emplace(*key, *value).second) return invalid("repeated parameter " + *key);
  }
  FinishRedirect r;
  if (params.count("result")) {
    r.result = params["result"];
    r.message = params["message"];
    r.outcome = r.result == "grant_rejected" ? FinishRedirect::Outcome::rejected
                                             : FinishRedirect::Outcome::error;
    return r;
  }
  if (params["hash"].empty() || params["interact_ref"].empty())
    return invalid("redirect carries neither a result nor hash and interact_ref");
  r.outcome = FinishRedirect::Outcome::approved;
  r.hash = params["hash"];
  r.interact_ref = params["interact_ref"];
  return r;
}

}  // namespace wm::openpayments
