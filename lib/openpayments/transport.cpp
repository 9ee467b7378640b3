#include "openpayments/transport.h"

#include <curl/curl.h>

#include <thread>

#include "core/json_limits.h"

namespace wm::openpayments {

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

void ensure_global() { static CurlGlobal once; }

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

struct Sink {
  std::string body;
  size_t cap = 0;
  bool too_large = false;
  Headers headers;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  size_t len = size * n;
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
  bool allow_private = false;
  bool blocked = false;
};

curl_socket_t on_open(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* g = static_cast<Guard*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (!g->allow_private && !is_public_sockaddr(&address->addr, address->addrlen)) {
    g->blocked = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

bool retryable_code(CURLcode c) {
  return c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST ||
         c == CURLE_GOT_NOTHING || c == CURLE_SEND_ERROR || c == CURLE_RECV_ERROR ||
         c == CURLE_SSL_CONNECT_ERROR;
}

}  // namespace

Transport::Transport(TransportOptions options) : options_(std::move(options)) { ensure_global(); }

Transport::~Transport() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* Transport::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void Transport::release(void* handle) {
  std::lock_guard lock(mu_);
  if (idle_.size() < options_.max_idle_handles)
    idle_.push_back(handle);
  else
    curl_easy_cleanup(static_cast<CURL*>(handle));
}

Result<HttpResponse> Transport::send(const HttpRequest& request) {
  void* handle = acquire();
  if (!handle) return Error{"transport", "cannot initialise libcurl"};
  bool retryable = false;
  auto result = attempt(handle, request, &retryable);
  bool is_get = request.method == "GET" || request.method == "get";
  bool server_error = result.ok() && result->status >= 500;
  if (is_get && ((!result.ok() && retryable) || server_error)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_backoff_ms));
    result = attempt(handle, request, &retryable);
    if (result.ok()) result->attempts = 2;
  }
  release(handle);
  return result;
}

Result<HttpResponse> Transport::attempt(void* handle, const HttpRequest& request, bool* retryable) {
  *retryable = false;
  auto target = target_of(request.url, options_.dev_hosts);
  if (!target) return target.error();
  CURL* c = static_cast<CURL*>(handle);
  curl_easy_reset(c);

  curl_slist* list = nullptr;
  auto add = [&](const std::string& line) { list = curl_slist_append(list, line.c_str()); };
  add("Accept: application/json");
  add("Expect:");
  if (target->host_header) add("Host: " + *target->host_header);
  bool has_type = false;
  for (const auto& h : request.headers) {
    if (lower(h.name) == "accept" || lower(h.name) == "host") continue;
    if (lower(h.name) == "content-type") has_type = true;
    std::string line = h.name;
    line.append(": ").append(h.value);
    add(line);
  }
  if ((request.body || request.method == "POST") && !has_type) add("Content-Type:");  // no curl default form type
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> hold(list, curl_slist_free_all);

  Sink sink;
  sink.cap = options_.max_response_bytes;
  Guard guard;
  guard.allow_private = target->dev;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_URL, target->connect_url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options_.timeout_ms);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, target->dev ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // never via an environment proxy (it would bypass the guard)
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_response_bytes));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &guard);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, nullptr);

  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body || request.method == "POST") {
    const std::string& b = request.body ? *request.body : std::string();
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body ? b.size() : 0));
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, request.body ? b.c_str() : "");
  }

  CURLcode rc = curl_easy_perform(c);
  // Do not leave pointers to this frame's objects in the pooled handle.
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  if (rc != CURLE_OK) {
    if (guard.blocked) {
      std::string m = "refusing to connect to a non-public address for ";
      m.append(request.url).append(" (add host:port to --op-dev-hosts for local testing)");
      return Error{"blocked_address", m};
    }
    if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      std::string m = "response larger than ";
      m.append(std::to_string(options_.max_response_bytes)).append(" bytes from ").append(request.url);
      return Error{"response_too_large", m};
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      std::string m = "timed out talking to ";
      m.append(request.url);
      return Error{"timeout", m};
    }
    *retryable = retryable_code(rc);
    std::string m = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    m.append(" (").append(request.url).append(")");
    return Error{"transport", m};
  }
  HttpResponse resp;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  resp.body = std::move(sink.body);
  resp.headers = std::move(sink.headers);
  return resp;
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

}  // namespace wm::openpayments
