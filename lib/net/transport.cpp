#include "net/transport.h"

#include <thread>

#include "core/json_limits.h"

namespace wm::net {

namespace {

struct Target {
  std::string connect_url;  // what curl is given
  std::optional<std::string> host_header;
  bool dev = false;
  std::string received_url;  // what the server sees: scheme spoken + Host header + path and query
  std::string browser_url;   // the scheme spoken and an explicit port
};

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

Result<Target> target_of(const std::string& url, const std::vector<DevHost>& dev_hosts) {
  auto bad = [&](const char* why) {
    std::string m = why;
    m.append(": ").append(url);
    return Error{"invalid_url", m};
  };
  size_t sep = url.find("://");
  if (sep == std::string::npos) return bad("not an absolute URL");
  std::string scheme = lower(url.substr(0, sep));
  if (scheme != "https" && scheme != "http") return bad("only https URLs are allowed");
  size_t auth_start = sep + 3;
  size_t auth_end = url.find_first_of("/?#", auth_start);
  std::string authority = url.substr(auth_start, auth_end == std::string::npos ? std::string::npos
                                                                                 : auth_end - auth_start);
  std::string rest = auth_end == std::string::npos ? "/" : url.substr(auth_end);
  if (authority.empty() || authority.find('@') != std::string::npos) return bad("malformed URL");
  std::string host = authority;
  int port = scheme == "https" ? 443 : 80;
  bool explicit_port = false;
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    host = authority.substr(0, colon);
    try {
      port = std::stoi(authority.substr(colon + 1));
    } catch (...) {
      return bad("malformed port");
    }
    explicit_port = true;
  }
  Target t;
  t.dev = is_dev_host(dev_hosts, host, port);
  if (!t.dev) {
    if (scheme != "https") return bad("only https URLs are allowed");
    t.connect_url = t.received_url = t.browser_url = url;
    return t;
  }
  t.connect_url = "http://";
  t.connect_url.append(host).append(":").append(std::to_string(port)).append(rest);
  t.browser_url = t.connect_url;
  if (!explicit_port) t.host_header = host;
  t.received_url = "http://";
  t.received_url.append(authority).append(rest);
  return t;
}

}  // namespace

Transport::Transport(TransportOptions options)
    : options_(std::move(options)), client_(options_.max_idle_handles) {}

Transport::~Transport() = default;

Result<HttpResponse> Transport::send(const HttpRequest& request) {
  bool retryable = false;
  auto result = attempt(request, &retryable);
  bool is_get = request.method == "GET" || request.method == "get";
  bool server_error = result.ok() && result->status >= 500;
  if (is_get && ((!result.ok() && retryable) || server_error)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_backoff_ms));
    result = attempt(request, &retryable);
    if (result.ok()) result->attempts = 2;
  }
  return result;
}

Result<HttpResponse> Transport::attempt(const HttpRequest& request, bool* retryable) {
  *retryable = false;
  auto target = target_of(request.url, options_.dev_hosts);
  if (!target) return target.error();
  Request r;
  r.method = request.method;
  r.url = target->connect_url;
  r.body = request.body;
  r.timeout_ms = options_.timeout_ms;
  r.connect_timeout_ms = options_.connect_timeout_ms;
  r.max_response_bytes = options_.max_response_bytes;
  r.ca_file = options_.ca_file;
  r.headers.push_back({"Accept", "application/json"});
  if (target->host_header) r.headers.push_back({"Host", *target->host_header});
  for (const auto& h : request.headers)
    if (lower(h.name) != "accept" && lower(h.name) != "host") r.headers.push_back(h);
  Response resp = client_.send(r, Policy::with_dev_hosts(options_.dev_hosts));
  switch (resp.error) {
    case NetError::none: break;
    case NetError::blocked_address:
      return Error{"blocked_address", "refusing to connect to a non-public address for " + request.url +
                                          " (add host:port to --op-dev-hosts for local testing)"};
    case NetError::too_large:
      return Error{"response_too_large", "response larger than " + std::to_string(options_.max_response_bytes) +
                                             " bytes from " + request.url};
    case NetError::timeout: return Error{"timeout", "timed out talking to " + request.url};
    case NetError::invalid_url: return Error{"invalid_url", resp.error_message};
    default:
      *retryable = resp.retryable;
      return Error{"transport", resp.error_message};
  }
  HttpResponse out;
  out.status = resp.status;
  out.headers = std::move(resp.headers);
  out.body = std::move(resp.body);
  return out;
}

Result<std::string> Transport::url_as_received(const std::string& url) const {
  auto t = target_of(url, options_.dev_hosts);
  if (!t) return t.error();
  return t->received_url;
}

std::string Transport::browser_url(const std::string& url) const {
  auto t = target_of(url, options_.dev_hosts);
  return t ? t->browser_url : url;
}

Error http_error(const HttpResponse& response) {
  std::string m = "HTTP ";
  m.append(std::to_string(response.status));
  if (!response.body.empty()) m.append(": ").append(response.body.substr(0, 200));
  return Error{"http_error", m};
}

Result<nlohmann::json> json_body(const HttpResponse& response) {
  auto j = json_limits::parse_or_discarded(response.body);
  if (j.is_discarded()) {
    std::string m = "response is not valid JSON (HTTP ";
    m.append(std::to_string(response.status)).append(")");
    return Error{"invalid_response", m};
  }
  return j;
}

}  // namespace wm::net
