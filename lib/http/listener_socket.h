// Socket helpers of the listener (internal to lib/http).
#pragma once
#include <sys/socket.h>

#include <string>

#include "core/result.h"

namespace wm::http {

// "127.0.0.1" / "::1" and the port of a socket address.
void address_of(const sockaddr_storage& ss, std::string& ip, int& port);

// A listening, non-blocking socket on host:port (port 0 = any free port), bound exclusively:
// SO_REUSEADDR (restart while old connections sit in TIME_WAIT) but never SO_REUSEPORT, so a
// second process cannot listen on the same address. Returns the bound port and sets out_fd.
Result<int> bind_exclusive(const std::string& host, int port, int& out_fd);

}  // namespace wm::http
