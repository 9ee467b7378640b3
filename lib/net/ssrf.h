// SSRF guard: which IP addresses an Open Payments client may connect to, and the dev-host
// allowlist ("host:port,host:port" from --op-dev-hosts / OWNCAST_WM_OP_DEV_HOSTS).
#pragma once
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wm::net {

// a.b.c.d as a host-order integer (a in the top byte).
bool is_public_ipv4(uint32_t address);
bool is_public_ipv6(const std::array<uint8_t, 16>& address);
// AF_INET / AF_INET6 only; anything else (or a short length) is not public.
bool is_public_sockaddr(const sockaddr* address, socklen_t length);
// Literal IPv4 or IPv6 text (brackets allowed); nullopt when the text is not an IP literal.
std::optional<bool> is_public_ip(std::string_view text);

struct DevHost {
  std::string host;  // lower case; IPv6 without brackets
  int port = 0;
  bool operator==(const DevHost&) const = default;
};

// "host:port,host:port" (spaces around entries ignored, "[::1]:8080" for IPv6). Empty text gives
// an empty list. Error "invalid_dev_hosts" names the bad entry.
Result<std::vector<DevHost>> parse_dev_hosts(std::string_view text);
bool is_dev_host(const std::vector<DevHost>& hosts, std::string_view host, int port);

}  // namespace wm::net
