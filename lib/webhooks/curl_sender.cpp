// The production Sender on lib/net (policy admin_configured with the sidecar's own listeners).
#include "net/http_client.h"
#include "webhooks/sender.h"

namespace wm::webhooks {

namespace {

net::HttpClient& shared_client() {
  static net::HttpClient client(8);  // the delivery workers share one pool of connections
  return client;
}

// lib/net's messages end with " (URL)"; a Discord URL holds its token, so the log keeps the reason only.
std::string without_url(std::string message, const std::string& url) {
  const std::string tail = " (" + url + ")";
  if (message.size() >= tail.size() && message.compare(message.size() - tail.size(), tail.size(), tail) == 0)
    message.resize(message.size() - tail.size());
  return message;
}

class NetSender final : public Sender {
 public:
  explicit NetSender(OwnListeners own) : own_(std::move(own)) {}

  SendResult send(const std::string& url, const Headers& headers, const std::string& body, int timeout_ms) override {
    SendResult r;
    std::vector<Listener> own = own_ ? own_() : std::vector<Listener>{};
    if (auto t = check_url(url, own); !t) return r.error = t.error().message, r;
    net::Request req;
    req.method = "POST";
    req.url = url;
    req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "owncast-wm-webhooks/1"}};
    for (const auto& [k, v] : headers) req.headers.push_back({k, v});
    req.body = body;
    req.timeout_ms = timeout_ms;
    req.connect_timeout_ms = timeout_ms;
    req.max_response_bytes = kAnswerPrefix;
    req.truncate_response = true;
    net::Response res = shared_client().send(req, net::Policy::admin_configured_with(std::move(own)));
    r.latency_ms = res.latency_ms;
    r.status = static_cast<int>(res.status);
    r.body_prefix = std::move(res.body);
    if (res.error == net::NetError::blocked_address)
      r.error = "This address cannot receive webhooks: " + res.refusal + ".";
    else if (res.error == net::NetError::timeout)
      r.error = "timeout";
    else if (!res.ok())
      r.error = without_url(res.error_message, url);
    return r;
  }

 private:
  OwnListeners own_;
};

}  // namespace

std::unique_ptr<Sender> make_curl_sender(OwnListeners own) { return std::make_unique<NetSender>(std::move(own)); }

}  // namespace wm::webhooks
