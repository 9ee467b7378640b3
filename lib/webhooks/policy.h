// Where outgoing webhooks may go: lib/net's admin_configured policy (the URLs are configured by the
// admin, so private and loopback addresses are allowed: Home Assistant on the LAN is a real use;
// refused are link-local and cloud-metadata ranges, unspecified/multicast addresses, and the
// sidecar's own listeners). This file only parses endpoint URLs and words the refusal; the address
// rule itself is net::admin_address_refusal. Redirects are never followed (lib/net never does).
#pragma once
#include <sys/socket.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "net/http_client.h"

namespace wm::webhooks {

using Listener = net::Listener;  // one of the sidecar's own listen addresses

// The listeners can change (port 0 is known only after bind), so they are asked for each time.
using OwnListeners = std::function<std::vector<Listener>()>;

struct TargetUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower case, IPv6 without brackets
  int port = 0;
};

// Parses and checks an endpoint URL (scheme, host, port; an IP-literal host is checked against
// the address policy here, a name when it is resolved). Errors: "invalid_url", "refused_target".
Result<TargetUrl> check_url(std::string_view url, const std::vector<Listener>& own);
// The address policy for a resolved address the sender is about to connect to.
Status check_address(const sockaddr* addr, socklen_t len, const std::vector<Listener>& own);

}  // namespace wm::webhooks
