#include "net/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>

namespace wm::net {

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};
void ensure_global() { static CurlGlobal once; }

std::mutex g_own_mu;
std::vector<int> g_own_ports;

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

struct UrlParts {
  std::string scheme, host;
  int port = 0;
};

std::optional<UrlParts> split_url(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  UrlParts u;
  u.scheme = lower(url.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
  size_t start = sep + 3, end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;
  u.host = authority;
  u.port = u.scheme == "https" ? 443 : 80;
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    u.host = authority.substr(0, colon);
    try {
      size_t used = 0;
      u.port = std::stoi(authority.substr(colon + 1), &used);
      if (used != authority.size() - colon - 1 || u.port < 1 || u.port > 65535) return std::nullopt;
    } catch (...) {
      return std::nullopt;
    }
  }
  return u;
}

// IPv4 of an AF_INET address or an IPv4-mapped AF_INET6 one.
std::optional<uint32_t> v4_of(const sockaddr* a, socklen_t len, uint16_t* port) {
  if (a->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, a, sizeof in);
    *port = ntohs(in.sin_port);
    return ntohl(in.sin_addr.s_addr);
  }
  if (a->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, a, sizeof in6);
    *port = ntohs(in6.sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
      uint32_t v;
      std::memcpy(&v, in6.sin6_addr.s6_addr + 12, 4);
      return ntohl(v);
    }
  }
  return std::nullopt;
}

std::optional<std::string> v4_refusal(uint32_t a) {
  if ((a >> 24) == 0) return "0.0.0.0/8 is not a destination";
  if ((a >> 16) == 0xA9FE) return "link-local and cloud metadata addresses (169.254.0.0/16) are refused";
  if (a == 0x646464C8) return "100.100.100.200 is a cloud metadata address";
  if ((a >> 28) >= 0xE) return "multicast and reserved addresses are refused";
  return std::nullopt;
}

std::optional<std::string> v6_refusal(const in6_addr& a) {
  const uint8_t* b = a.s6_addr;
  if (IN6_IS_ADDR_UNSPECIFIED(&a)) return ":: is not a destination";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local addresses (fe80::/10) are refused";
  if (b[0] == 0xff) return "multicast addresses are refused";
  static const uint8_t kAwsMetadata[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
  if (std::memcmp(b, kAwsMetadata, 16) == 0) return "fd00:ec2::254 is a cloud metadata address";
  return std::nullopt;
}

// The address as text (dotted IPv4 for an IPv4-mapped one), its port and whether it is loopback.
struct Endpoint {
  std::string text;
  int port = 0;
  bool loopback = false;
};

Endpoint endpoint_of(const sockaddr* a, std::optional<uint32_t> v4, uint16_t port) {
  Endpoint e;
  e.port = port;
  char text[INET6_ADDRSTRLEN] = {};
  if (v4) {
    in_addr in{htonl(*v4)};
    inet_ntop(AF_INET, &in, text, sizeof text);
    e.loopback = (*v4 >> 24) == 127;
  } else {
    sockaddr_in6 in6{};
    std::memcpy(&in6, a, sizeof in6);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    e.loopback = IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr);
  }
  e.text = text;
  return e;
}

// One of our listeners answers on this address: same port and a loopback address, the
// listener's own address, or any address when the listener is a wildcard.
bool is_own(const Endpoint& e, const std::vector<Listener>& own) {
  for (const auto& l : own) {
    if (l.port != e.port) continue;
    if (e.loopback || l.host == e.text || l.host == "0.0.0.0" || l.host == "::" || l.host.empty()) return true;
  }
  return false;
}

std::vector<Listener> loopback_listeners(const std::vector<int>& ports) {
  std::vector<Listener> out;
  for (int p : ports) out.push_back({"127.0.0.1", p});
  return out;
}

}  // namespace

void note_own_listener(int port) {
  std::lock_guard lock(g_own_mu);
  if (std::find(g_own_ports.begin(), g_own_ports.end(), port) == g_own_ports.end()) g_own_ports.push_back(port);
}

void forget_own_listener(int port) {
  std::lock_guard lock(g_own_mu);
  g_own_ports.erase(std::remove(g_own_ports.begin(), g_own_ports.end(), port), g_own_ports.end());
}

std::vector<int> own_listeners() {
  std::lock_guard lock(g_own_mu);
  return g_own_ports;
}

Policy Policy::admin_configured(const std::vector<int>& own_ports) {
  return admin_configured_with(loopback_listeners(own_ports));
}

std::optional<std::string> admin_address_refusal(const sockaddr* a, socklen_t len, const std::vector<Listener>& own) {
  if (!a) return "no address";
  uint16_t port = 0;
  auto v4 = v4_of(a, len, &port);
  if (v4) {
    if (auto why = v4_refusal(*v4)) return why;
  } else if (a->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, a, sizeof in6);
    if (auto why = v6_refusal(in6.sin6_addr)) return why;
  } else {
    return "only IPv4 and IPv6 addresses are allowed";
  }
  if (is_own(endpoint_of(a, v4, port), own)) return "it is this sidecar's own listen address";
  return std::nullopt;
}

bool admin_address_allowed(const sockaddr* a, socklen_t len, const std::vector<int>& own_ports) {
  return !admin_address_refusal(a, len, loopback_listeners(own_ports));
}

const char* to_string(NetError e) {
  switch (e) {
    case NetError::none: return "none";
    case NetError::invalid_url: return "invalid_url";
    case NetError::blocked_address: return "blocked_address";
    case NetError::dns: return "dns";
    case NetError::connect: return "connect";
    case NetError::timeout: return "timeout";
    case NetError::too_large: return "too_large";
    case NetError::tls: return "tls";
    case NetError::transport: return "transport";
  }
  return "transport";
}

namespace {

// nullopt when the policy allows the address, else why not.
std::optional<std::string> refusal(const Policy& policy, const sockaddr* address, socklen_t length) {
  if (policy.kind == Policy::Kind::admin_configured) {
    std::vector<Listener> own = policy.own;
    for (auto& l : loopback_listeners(own_listeners())) own.push_back(std::move(l));
    return admin_address_refusal(address, length, own);
  }
  if (is_public_sockaddr(address, length)) return std::nullopt;
  return "only public addresses are allowed";
}

}  // namespace

bool address_allowed(const Policy& policy, const sockaddr* address, socklen_t length) {
  return !refusal(policy, address, length);
}

namespace {

struct Sink {
  std::string body;
  size_t cap = 0;
  bool truncate = false;  // keep the first cap bytes, read on
  bool too_large = false;
  Headers headers;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  size_t len = size * n;
  if (s->truncate) {
    if (s->body.size() < s->cap) s->body.append(data, std::min(len, s->cap - s->body.size()));
    return len;
  }
  if (s->body.size() + len > s->cap) {
    s->too_large = true;
    return 0;
  }
  s->body.append(data, len);
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    s->headers.clear();
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  s->headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  return size * n;
}

struct Guard {
  const Policy* policy = nullptr;
  bool any_address = false;  // a dev host
  bool blocked = false;
  std::string why;           // when blocked
};

curl_socket_t on_open(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* g = static_cast<Guard*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (g->any_address) return ::socket(address->family, address->socktype, address->protocol);
  if (auto why = refusal(*g->policy, &address->addr, address->addrlen)) {
    g->blocked = true;
    g->why = std::move(*why);
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

NetError error_of(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_RESOLVE_HOST: return NetError::dns;
    case CURLE_COULDNT_CONNECT: return NetError::connect;
    case CURLE_OPERATION_TIMEDOUT: return NetError::timeout;
    case CURLE_FILESIZE_EXCEEDED: return NetError::too_large;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE: return NetError::tls;
    default: return NetError::transport;
  }
}

bool retryable_code(CURLcode c) {
  return c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST || c == CURLE_GOT_NOTHING ||
         c == CURLE_SEND_ERROR || c == CURLE_RECV_ERROR || c == CURLE_SSL_CONNECT_ERROR;
}

Response failure(NetError e, std::string message) {
  Response r;
  r.error = e;
  r.error_message = std::move(message);
  return r;
}

// Which schemes and addresses the policy allows for this URL; invalid_url when none.
Response check_url(const Request& request, const Policy& policy, Guard* guard, const char** protocols) {
  if (request.follow_redirects) return failure(NetError::invalid_url, "redirects are never followed: " + request.url);
  auto u = split_url(request.url);
  if (!u) return failure(NetError::invalid_url, "malformed URL: " + request.url);
  guard->policy = &policy;
  guard->any_address = policy.kind == Policy::Kind::dev_hosts && is_dev_host(policy.dev_hosts, u->host, u->port);
  bool http_ok = policy.kind == Policy::Kind::admin_configured || guard->any_address;
  if (u->scheme != "https" && !http_ok) return failure(NetError::invalid_url, "only https URLs are allowed: " + request.url);
  *protocols = http_ok ? "http,https" : "https";
  return {};
}

curl_slist* header_list(const Request& request) {
  curl_slist* list = curl_slist_append(nullptr, "Expect:");
  bool has_type = false;
  for (const auto& h : request.headers) {
    if (lower(h.name) == "content-type") has_type = true;
    std::string line = h.name;
    line.append(": ").append(h.value);
    list = curl_slist_append(list, line.c_str());
  }
  if ((request.body || request.method == "POST") && !has_type) list = curl_slist_append(list, "Content-Type:");
  return list;
}

void set_method(CURL* c, const Request& request) {
  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body || request.method == "POST") {
    const char* data = request.body ? request.body->c_str() : "";
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body ? request.body->size() : 0));
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, data);
  }
}

Response perform(CURL* c, const Request& request, const Policy& policy) {
  Guard guard;
  const char* protocols = "https";
  if (auto bad = check_url(request, policy, &guard, &protocols); !bad.ok()) return bad;
  curl_easy_reset(c);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> hold(header_list(request), curl_slist_free_all);
  Sink sink;
  sink.cap = request.max_response_bytes;
  sink.truncate = request.truncate_response;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hold.get());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(request.connect_timeout_ms, request.timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // never, whatever follow_redirects says
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!request.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // never via an environment proxy (it would bypass the guard)
  if (!request.truncate_response)
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_response_bytes));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &guard);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, nullptr);
  set_method(c, request);

  CURLcode rc = curl_easy_perform(c);
  // Do not leave pointers to this frame's objects in the pooled handle.
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, nullptr);
  if (rc != CURLE_OK) {
    if (guard.blocked) {
      Response r = failure(NetError::blocked_address, "refusing to connect to a disallowed address for " + request.url);
      r.refusal = std::move(guard.why);
      return r;
    }
    if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED)
      return failure(NetError::too_large, "response larger than " + std::to_string(request.max_response_bytes) +
                                              " bytes from " + request.url);
    if (rc == CURLE_OPERATION_TIMEDOUT) return failure(NetError::timeout, "timed out talking to " + request.url);
    std::string m = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    m.append(" (").append(request.url).append(")");
    Response r = failure(error_of(rc), std::move(m));
    r.retryable = retryable_code(rc);
    return r;
  }
  Response resp;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  char* location = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location) resp.location = location;
  resp.body = std::move(sink.body);
  resp.headers = std::move(sink.headers);
  return resp;
}

}  // namespace

struct HttpClient::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;
  size_t max_idle = 4;
};

HttpClient::HttpClient(size_t max_idle_handles) : pool_(new Pool) {
  ensure_global();
  pool_->max_idle = max_idle_handles;
}

HttpClient::~HttpClient() {
  for (CURL* h : pool_->idle) curl_easy_cleanup(h);
  delete pool_;
}

Response HttpClient::send(const Request& request, const Policy& policy) {
  CURL* h = nullptr;
  {
    std::lock_guard lock(pool_->mu);
    if (!pool_->idle.empty()) {
      h = pool_->idle.back();
      pool_->idle.pop_back();
    }
  }
  if (!h) h = curl_easy_init();
  if (!h) return failure(NetError::transport, "cannot initialise libcurl");
  auto start = std::chrono::steady_clock::now();
  Response r = perform(h, request, policy);
  r.latency_ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
  std::lock_guard lock(pool_->mu);
  if (pool_->idle.size() < pool_->max_idle)
    pool_->idle.push_back(h);
  else
    curl_easy_cleanup(h);
  return r;
}

Response fetch(const Request& request, const Policy& policy) {
  HttpClient once(0);
  return once.send(request, policy);
}

}  // namespace wm::net
