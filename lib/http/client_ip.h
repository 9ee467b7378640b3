// Which address a request came from when owncast-wm sits behind a reverse proxy (nginx, Caddy):
// rate limits and the login backoff must count viewers, not the proxy.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wm::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;  // trusts nobody: the client is always the connection's address
  // "127.0.0.1,::1,10.0.0.0/8,fd00::/8": addresses or CIDR ranges, comma-separated; "" = none.
  // Error "invalid_config" naming the bad entry.
  static Result<TrustedProxies> parse(std::string_view list);

  bool trusted(std::string_view ip) const;
  // remote_addr when it is not a trusted proxy. Otherwise the right-most X-Forwarded-For entry
  // that is not a trusted proxy (entries left of it can be forged by the client); all trusted ->
  // the left-most; a malformed entry on the way -> remote_addr.
  std::string client_ip(std::string_view remote_addr, std::string_view forwarded_for) const;

 private:
  struct Range {
    std::array<uint8_t, 16> addr{};  // IPv4 as IPv4-mapped IPv6
    int prefix = 128;
  };
  std::vector<Range> ranges_;
};

}  // namespace wm::http
