// The production Sender on libcurl (lib/net had not landed when this was written).
#include <curl/curl.h>
#include <sys/socket.h>

#include <mutex>

#include "core/timeutil.h"
#include "webhooks/sender.h"

namespace wm::webhooks {

namespace {

struct Call {
  std::vector<Listener> own;
  std::string answer;
  std::string refused;
};

size_t on_data(char* p, size_t size, size_t n, void* user) {
  auto* c = static_cast<Call*>(user);
  const size_t len = size * n;
  if (c->answer.size() < kAnswerPrefix) c->answer.append(p, std::min(len, kAnswerPrefix - c->answer.size()));
  return len;
}

curl_socket_t on_open(void* user, curlsocktype, curl_sockaddr* a) {
  auto* c = static_cast<Call*>(user);
  if (auto s = check_address(&a->addr, a->addrlen, c->own); !s) {
    c->refused = s.error().message;
    return CURL_SOCKET_BAD;
  }
  return socket(a->family, a->socktype, a->protocol);
}

class CurlSender final : public Sender {
 public:
  explicit CurlSender(OwnListeners own) : own_(std::move(own)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  SendResult send(const std::string& url, const Headers& headers, const std::string& body, int timeout_ms) override {
    SendResult r;
    std::vector<Listener> own = own_ ? own_() : std::vector<Listener>{};
    if (auto t = check_url(url, own); !t) return r.error = t.error().message, r;
    CURL* c = curl_easy_init();
    if (!c) return r.error = "cannot start an HTTP request", r;
    Call call{std::move(own), {}, {}};
    curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
    list = curl_slist_append(list, "User-Agent: owncast-wm-webhooks/1");
    for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &call);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &call);
    const int64_t start = timeutil::monotonic_ns();
    CURLcode rc = curl_easy_perform(c);
    r.latency_ms = (timeutil::monotonic_ns() - start) / 1000000;
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
    r.body_prefix = std::move(call.answer);
    if (rc != CURLE_OK) {
      r.error = !call.refused.empty() ? call.refused
                : rc == CURLE_OPERATION_TIMEDOUT ? std::string("timeout")
                                                 : std::string(curl_easy_strerror(rc));
      if (rc == CURLE_OPERATION_TIMEDOUT) r.status = 0;
    }
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    return r;
  }

 private:
  OwnListeners own_;
};

}  // namespace

std::unique_ptr<Sender> make_curl_sender(OwnListeners own) { return std::make_unique<CurlSender>(std::move(own)); }

}  // namespace wm::webhooks
