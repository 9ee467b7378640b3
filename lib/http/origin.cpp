#include "http/origin.h"

#include <cctype>

namespace wm::http {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool state_changing(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool is_json_type(std::string_view content_type) {
  std::string t = lower(content_type.substr(0, content_type.find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  size_t b = t.find_first_not_of(" \t");
  return b != std::string::npos && t.substr(b) == "application/json";
}

// Audio uploads (alert sounds): like JSON, a type no cross-site form can send without a preflight.
bool is_audio_type(std::string_view content_type) {
  std::string t = lower(content_type.substr(0, content_type.find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  for (std::string_view a : {"audio/mpeg", "audio/ogg", "audio/wav", "audio/x-wav", "audio/wave"})
    if (t == a) return true;
  return false;
}

bool has_body(const Request& req) {
  if (!req.body.empty() || req.has_header("Transfer-Encoding")) return true;
  const std::string len = req.get_header_value("Content-Length");
  return !len.empty() && len != "0";
}

bool same_origin(const Request& req, std::string_view origin, std::string_view public_url) {
  const std::string o = origin_of(origin);
  if (o.empty()) return false;  // "null" (sandboxed frames, file:) and anything unparseable
  const std::string host = req.get_header_value("Host");
  if (!host.empty() && (o == origin_of("http://" + host) || o == origin_of("https://" + host))) return true;
  const std::string pub = origin_of(public_url);
  return !pub.empty() && o == pub;
}

}  // namespace

std::string origin_of(std::string_view url) {
  std::string u = lower(url);
  std::string scheme;
  if (u.rfind("http://", 0) == 0) scheme = "http";
  else if (u.rfind("https://", 0) == 0) scheme = "https";
  else return "";
  std::string rest = u.substr(scheme.size() + 3);
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string::npos) return "";
  const std::string default_port = scheme == "http" ? ":80" : ":443";
  if (authority.size() > default_port.size() &&
      authority.compare(authority.size() - default_port.size(), default_port.size(), default_port) == 0)
    authority.resize(authority.size() - default_port.size());
  return scheme + "://" + authority;
}

bool admin_write_allowed(const Request& req, Response& res, std::string_view public_url) {
  if (!state_changing(req.method)) return true;
  const std::string site = lower(req.get_header_value("Sec-Fetch-Site"));
  const bool has_origin = req.has_header("Origin");
  if (site == "cross-site" || (has_origin && !same_origin(req, req.get_header_value("Origin"), public_url))) {
    json_error(res, 403, "cross_origin",
               "admin changes are only accepted from the admin page's own origin (Origin / Sec-Fetch-Site "
               "refused); scripts send no Origin header");
    return false;
  }
  const bool typed = req.has_header("Content-Type");
  const std::string type = req.get_header_value("Content-Type");
  if ((typed || has_body(req)) && !is_json_type(type) && !is_audio_type(type)) {
    json_error(res, 415, "unsupported_media_type",
               "admin changes need 'Content-Type: application/json' (sound uploads: audio/mpeg, audio/ogg or audio/wav)");
    return false;
  }
  return true;
}

}  // namespace wm::http
