#include "webhooks/policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>

namespace wm::webhooks {

Status check_address(const sockaddr* addr, socklen_t len, const std::vector<Listener>& own) {
  if (auto why = net::admin_address_refusal(addr, len, own))
    return Error{"refused_target", "This address cannot receive webhooks: " + *why + "."};
  return ok_status();
}

Result<TargetUrl> check_url(std::string_view url, const std::vector<Listener>& own) {
  const Error bad{"invalid_url", "The URL must look like https://host[:port]/path (http or https, no user:password)."};
  TargetUrl t;
  auto sep = url.find("://");
  if (sep == std::string_view::npos || url.size() > 2048) return bad;
  t.scheme = std::string(url.substr(0, sep));
  std::transform(t.scheme.begin(), t.scheme.end(), t.scheme.begin(), ::tolower);
  if (t.scheme != "http" && t.scheme != "https") return bad;
  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return bad;
  if (url.find_first_of(" \t\r\n") != std::string_view::npos) return bad;
  std::string_view host = authority, port;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad;
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad;
      port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad;
  t.host = std::string(host);
  std::transform(t.host.begin(), t.host.end(), t.host.begin(), ::tolower);
  t.port = t.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), t.port);
    if (ec != std::errc() || p != port.data() + port.size() || t.port < 1 || t.port > 65535) return bad;
  }
  sockaddr_storage ss{};
  auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, t.host.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(t.port));
    if (auto s = check_address(reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in), own); !s) return s.error();
  } else if (inet_pton(AF_INET6, t.host.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(t.port));
    if (auto s = check_address(reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in6), own); !s) return s.error();
  }
  return t;
}

}  // namespace wm::webhooks
