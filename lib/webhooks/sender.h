// How a delivery leaves the process: one POST, no redirects followed. An interface so tests can
// inject receivers and failures; the production one is curl_sender.cpp.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "webhooks/policy.h"

namespace wm::webhooks {

inline constexpr size_t kAnswerPrefix = 1024;  // bytes of the receiver's answer kept in the log

struct SendResult {
  int status = 0;           // HTTP status, 0 when no answer arrived
  std::string body_prefix;  // first kAnswerPrefix bytes of the answer
  int64_t latency_ms = 0;
  std::string error;        // "" when an answer arrived; else why not ("timeout", "refused_target: ...")
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class Sender {
 public:
  virtual ~Sender() = default;
  virtual SendResult send(const std::string& url, const Headers& headers, const std::string& body, int timeout_ms) = 0;
};

// lib/net: POST, Content-Type application/json, no redirects, the address policy (policy.h)
// applied to every address it connects to.
std::unique_ptr<Sender> make_curl_sender(OwnListeners own);

}  // namespace wm::webhooks
