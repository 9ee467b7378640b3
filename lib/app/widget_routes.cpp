#include "app/widget_routes.h"

#include <cctype>

#include "core/assets.h"

namespace wm::app {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string origin_of(std::string_view url) {
  // Trim surrounding blanks.
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.front()))) url.remove_prefix(1);
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.remove_suffix(1);
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return "";
  const std::string scheme = lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return "";
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.find('@') != std::string_view::npos) return "";  // userinfo: refuse rather than guess
  std::string_view host = rest, port;
  if (!rest.empty() && rest.front() == '[') {  // IPv6 literal
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return "";
    host = rest.substr(0, close + 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "";
      port = after.substr(1);
    }
    for (char c : host.substr(1, host.size() - 2))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return "";
    if (host.size() < 3) return "";
  } else {
    const auto colon = rest.find(':');
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    if (host.empty()) return "";
    for (char c : host)
      if (!host_char(c)) return "";
  }
  if (!port.empty()) {
    if (port.size() > 5) return "";
    for (char c : port)
      if (!std::isdigit(static_cast<unsigned char>(c))) return "";
    const int p = std::stoi(std::string(port));
    if (p < 1 || p > 65535) return "";
    if ((scheme == "http" && p == 80) || (scheme == "https" && p == 443)) port = {};
  } else if (rest.size() != host.size()) {
    return "";  // "host:" with an empty port
  }
  std::string out = scheme + "://" + lower(host);
  if (!port.empty()) out += ":" + std::to_string(std::stoi(std::string(port)));
  return out;
}

std::string frame_ancestors(std::string_view owncast_url, std::string_view extra) {
  if (std::string o = origin_of(owncast_url); !o.empty()) return o;
  std::string out = "'self'";
  while (!extra.empty()) {
    const auto comma = extra.find(',');
    std::string_view item = extra.substr(0, comma);
    extra = comma == std::string_view::npos ? std::string_view{} : extra.substr(comma + 1);
    if (std::string o = origin_of(item); !o.empty()) out += " " + o;
  }
  return out;
}

std::string widget_csp(std::string_view owncast_url, std::string_view extra) {
  // Images also from Owncast: the stream's logo in the header (GET /plugins/wm/widget/config).
  const std::string owncast = origin_of(owncast_url);
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:" +
         (owncast.empty() ? std::string() : " " + owncast) +
         "; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors " +
         frame_ancestors(owncast_url, extra);
}

void register_widget_routes(http::Server& server, std::function<std::string()> owncast_url) {
  auto page = [owncast_url](const http::Request&, http::Response& res) {
    const std::string csp = widget_csp(owncast_url());
    const char* path = "ui/widget/tip-panel.html";
    auto data = assets::find(path);
    if (!data) {
      http::json_error(res, 404, "not_found", "no such file");
      return;
    }
    // Framed by Owncast's External Action modal: no X-Frame-Options, frame-ancestors instead.
    res.set_header("Content-Security-Policy", csp);
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", "no-store");
    res.set_content(std::string(*data), "text/html; charset=utf-8");
  };
  server.get("/plugins/wm/widget/tip-panel", http::Access::public_, page);
  server.get("/plugins/wm/widget/tip", http::Access::public_, page);
}

}  // namespace wm::app
