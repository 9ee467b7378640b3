#include "webhooks/policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace wm::webhooks {

namespace {

Error refused(const std::string& why) { return Error{"refused_target", "This address cannot receive webhooks: " + why + "."}; }

bool v4_refused(uint32_t a, std::string& why) {
  if ((a >> 24) == 0) return why = "0.0.0.0/8 is not a destination", true;
  if ((a >> 16) == 0xA9FE) return why = "link-local and cloud metadata addresses (169.254.0.0/16) are refused", true;
  if (a == 0x646464C8) return why = "100.100.100.200 is a cloud metadata address", true;
  if ((a >> 28) >= 0xE) return why = "multicast and reserved addresses are refused", true;
  return false;
}

bool v6_refused(const std::array<uint8_t, 16>& b, std::string& why) {
  static const std::array<uint8_t, 16> unspecified{};
  if (b == unspecified) return why = ":: is not a destination", true;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return why = "link-local addresses (fe80::/10) are refused", true;
  if (b[0] == 0xff) return why = "multicast addresses are refused", true;
  static const std::array<uint8_t, 16> aws{0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
  if (b == aws) return why = "fd00:ec2::254 is a cloud metadata address", true;
  const bool mapped = std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return x == 0; }) && b[10] == 0xff && b[11] == 0xff;
  if (mapped) return v4_refused((uint32_t(b[12]) << 24) | (uint32_t(b[13]) << 16) | (uint32_t(b[14]) << 8) | b[15], why);
  return false;
}

bool is_loopback(const sockaddr* addr) {
  if (addr->sa_family == AF_INET)
    return (ntohl(reinterpret_cast<const sockaddr_in*>(addr)->sin_addr.s_addr) >> 24) == 127;
  const auto* a6 = reinterpret_cast<const sockaddr_in6*>(addr);
  return IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
}

// Whether addr:port is one of the sidecar's listeners (a wildcard or loopback listener also
// answers on every loopback address).
bool is_own(const sockaddr* addr, const std::vector<Listener>& own) {
  char text[INET6_ADDRSTRLEN] = {};
  int port = 0;
  if (addr->sa_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  for (const auto& l : own) {
    if (l.port != port) continue;
    if (l.host == text || l.host == "0.0.0.0" || l.host == "::" || l.host.empty()) return true;
    const bool loop_listener = l.host.rfind("127.", 0) == 0 || l.host == "::1" || l.host == "localhost";
    if (loop_listener && is_loopback(addr)) return true;
  }
  return false;
}

}  // namespace

Status check_address(const sockaddr* addr, socklen_t len, const std::vector<Listener>& own) {
  std::string why;
  if (addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    if (v4_refused(ntohl(reinterpret_cast<const sockaddr_in*>(addr)->sin_addr.s_addr), why)) return refused(why);
  } else if (addr->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    std::array<uint8_t, 16> b;
    std::memcpy(b.data(), &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, 16);
    if (v6_refused(b, why)) return refused(why);
  } else {
    return refused("only IPv4 and IPv6 addresses are allowed");
  }
  if (is_own(addr, own)) return refused("it is this sidecar's own listen address");
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
