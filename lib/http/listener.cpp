#include "http/listener.h"

#include "http/listener_impl.h"

namespace wm::http {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    default: return "Internal Server Error";
  }
}

std::string error_response(int status, std::string_view code, std::string_view message) {
  const std::string body = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  return "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n\r\n" + body;
}

}  // namespace

void Listener::Impl::worker() {
  if (o.worker_nice > 0) setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), o.worker_nice);
  for (;;) {
    Task t;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return quit || !tasks.empty(); });
      if (tasks.empty()) return;
      t = std::move(tasks.front());
      tasks.pop_front();
    }
    RawResponse r;
    try {
      r = o.handle(t.req);
    } catch (...) {
      r = {error_response(500, "internal", "internal error; see the sidecar log"), true, nullptr};
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      done.push_back({t.fd, t.id, std::move(r)});
    }
    wake();
  }
}

void Listener::Impl::watch(Conn& c, uint32_t events) {
  if (c.events == events) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = c.fd;
  if (events == 0) epoll_ctl(epfd, EPOLL_CTL_DEL, c.fd, nullptr);
  else epoll_ctl(epfd, c.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev);
  c.events = events;
}

void Listener::Impl::close_conn(Conn& c) {
  const int fd = c.fd;
  watch(c, 0);
  ::close(fd);
  if (c.stream) {
    streaming.erase(fd);
    c.stream->detach();
  }
  if (auto it = per_ip.find(c.ip); it != per_ip.end() && --it->second == 0) per_ip.erase(it);
  conns.erase(fd);  // destroys c
  open.store(conns.size(), std::memory_order_relaxed);
}

void Listener::Impl::accept_all() {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN, or out of descriptors (the sweep frees some)
    }
    auto c = std::make_unique<Conn>();
    address_of(ss, c->ip, c->port);
    const bool exempt = o.exempt && o.exempt(c->ip);
    auto it = per_ip.find(c->ip);
    if (conns.size() >= o.max_connections || (!exempt && it != per_ip.end() && it->second >= o.per_address)) {
      ::close(fd);
      refused(conns.size() >= o.max_connections ? "connection_limit" : "per_address_limit", c->ip, nullptr, 0);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_storage local{};
    len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) address_of(local, c->local_ip, c->local_port);
    c->id = next_id++;
    c->fd = fd;
    c->deadline = now_ms() + o.idle_timeout_ms;
    ++per_ip[c->ip];
    Conn& ref = *c;
    conns[fd] = std::move(c);
    open.store(conns.size(), std::memory_order_relaxed);
    watch(ref, EPOLLIN | EPOLLRDHUP);
  }
}

void Listener::Impl::on_event(Conn& c, uint32_t ev) {
  if (ev & EPOLLERR) return close_conn(c);
  switch (c.state) {
    case State::writing: return flush(c);
    case State::draining: return drain(c);
    case State::idle:
    case State::reading: return read_some(c);
    case State::busy: return;
    case State::streaming: return on_stream_event(c, ev);
  }
}

void Listener::Impl::read_some(Conn& c) {
  char buf[16384];
  ssize_t n = recv(c.fd, buf, sizeof buf, 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    return close_conn(c);
  }
  if (n == 0) {
    c.peer_eof = true;
    watch(c, 0);
  } else {
    c.in.append(buf, static_cast<size_t>(n));
  }
  const int fd = c.fd;
  const uint64_t id = c.id;
  advance(c);  // may close c
  // A peer that stopped sending without a complete request is done.
  auto it = conns.find(fd);
  if (it == conns.end() || it->second->id != id) return;
  Conn& now = *it->second;
  if (now.peer_eof && (now.state == State::idle || now.state == State::reading)) close_conn(now);
}

void Listener::Impl::advance(Conn& c) {
  if ((c.state != State::idle && c.state != State::reading) || c.in.empty()) return;
  if (c.state == State::idle) {
    c.state = State::reading;
    c.deadline = now_ms() + o.request_timeout_ms;
  }
  if (!c.head) {
    auto h = wire::parse_head(c.in, o.max_head);
    if (h.status == wire::Parse::incomplete) return;
    if (h.status == wire::Parse::refused) return refuse(c, h.http_status, h.code, h.message);
    c.head = std::move(h.head);
    if (c.head->has_body() && c.head->encoded)
      return refuse(c, 415, "unsupported_media_type",
                    "compressed request bodies (Content-Encoding) are not accepted; send the body uncompressed");
    c.limit = o.body_limit(c.head->method, c.head->path);
    if (c.head->content_length > c.limit)
      return refuse(c, 413, "payload_too_large", "request body exceeds " + std::to_string(c.limit) + " bytes");
    if (c.head->chunked) c.chunks.emplace(c.limit);
    if (c.head->expect_continue && c.head->has_body()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      [[maybe_unused]] auto n = send(c.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL);
    }
  }
  size_t end = c.head->size + c.head->content_length;
  if (c.chunks) {
    size_t used = 0;
    auto st = c.chunks->feed(std::string_view(c.in).substr(c.head->size + c.scanned), used);
    c.scanned += used;
    if (st == wire::ChunkedScanner::Status::too_large)
      return refuse(c, 413, "payload_too_large", "request body exceeds " + std::to_string(c.limit) + " bytes");
    if (st == wire::ChunkedScanner::Status::bad) return refuse(c, 400, "bad_request", "malformed chunked body");
    // Chunk framing counts too: tiny chunks may not make a small body take much memory.
    if (c.scanned > c.limit + c.limit / 2 + 16384)
      return refuse(c, 413, "payload_too_large", "chunked body framing exceeds the body limit");
    if (st == wire::ChunkedScanner::Status::more) return;
    end = c.head->size + c.scanned;
  }
  if (c.in.size() < end) return;
  dispatch(c, end);
}

void Listener::Impl::dispatch(Conn& c, size_t end) {
  Task t{c.fd, c.id, {}};
  t.req.bytes = c.in.substr(0, end);
  c.in.erase(0, end);
  t.req.remote_ip = c.ip;
  t.req.remote_port = c.port;
  t.req.local_ip = c.local_ip;
  t.req.local_port = c.local_port;
  t.req.last = ++c.requests >= o.max_requests || c.peer_eof || stopping.load();
  c.head.reset();
  c.chunks.reset();
  c.scanned = 0;
  c.state = State::busy;
  watch(c, 0);
  ++busy;
  {
    std::lock_guard<std::mutex> lock(mu);
    tasks.push_back(std::move(t));
  }
  cv.notify_one();
}

void Listener::Impl::refuse(Conn& c, int status, std::string_view code, const std::string& message) {
  refused(code, c.ip, &c, status);
  c.in.clear();
  c.head.reset();
  c.chunks.reset();
  c.out += error_response(status, code, message);
  c.close_after = true;
  c.state = State::writing;
  c.deadline = now_ms() + o.write_timeout_ms;
  flush(c);
}

void Listener::Impl::collect() {
  std::vector<Done> ready;
  {
    std::lock_guard<std::mutex> lock(mu);
    ready.swap(done);
  }
  for (auto& d : ready) {
    --busy;
    auto it = conns.find(d.fd);
    if (it == conns.end() || it->second->id != d.id) continue;
    Conn& c = *it->second;
    c.out += d.res.bytes;
    if (d.res.stream && !stopping.load()) {
      start_stream(c, std::move(d.res.stream));
      continue;
    }
    if (d.res.stream) d.res.stream->detach();
    c.close_after = d.res.close || c.peer_eof || stopping.load();
    c.state = State::writing;
    c.deadline = now_ms() + o.write_timeout_ms;
    flush(c);
  }
}

void Listener::Impl::flush(Conn& c) {
  while (c.out_off < c.out.size()) {
    ssize_t w = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (w > 0) {
      c.out_off += static_cast<size_t>(w);
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !stopping.load()) {
      if (c.state == State::streaming) {
        if (c.deadline == kNever) c.deadline = now_ms() + o.write_timeout_ms;
        return watch(c, EPOLLOUT | EPOLLRDHUP);
      }
      return watch(c, EPOLLOUT);  // no EPOLLIN: a client that does not read is not served more
    } else {
      return close_conn(c);
    }
  }
  c.out.clear();
  c.out_off = 0;
  if (c.state == State::streaming) return streamed(c);
  if (c.close_after) {
    // Closing with unread input would reset the connection and could destroy the answer
    // before the client reads it: stop sending, then drain briefly.
    shutdown(c.fd, SHUT_WR);
    if (c.peer_eof || stopping.load()) return close_conn(c);
    c.state = State::draining;
    c.deadline = now_ms() + 1000;
    return watch(c, EPOLLIN | EPOLLRDHUP);
  }
  c.state = State::idle;
  c.deadline = now_ms() + o.idle_timeout_ms;
  watch(c, EPOLLIN | EPOLLRDHUP);
  advance(c);  // a pipelined request already received
}

void Listener::Impl::drain(Conn& c) {
  char buf[16384];
  ssize_t n = recv(c.fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0 || (c.drained += static_cast<size_t>(n)) > (1u << 20)) close_conn(c);
}

void Listener::Impl::sweep() {
  const int64_t now = now_ms();
  std::vector<int> expired;
  for (auto& [fd, c] : conns)
    if (c->state != State::busy && c->deadline <= now) expired.push_back(fd);
  for (int fd : expired) {
    auto it = conns.find(fd);
    if (it == conns.end()) continue;
    Conn& c = *it->second;
    if (c.state == State::reading) {
      refuse(c, 408, "timeout", "the request was not received within " + std::to_string(o.request_timeout_ms / 1000) +
                                    " seconds");
    } else {
      close_conn(c);  // idle keep-alive, unsent answer or finished drain
    }
  }
}

void Listener::Impl::loop() {
  epoll_event evs[256];
  int64_t next_sweep = now_ms() + 100;
  bool closing = false;
  for (;;) {
    const int wait = static_cast<int>(std::max<int64_t>(0, next_sweep - now_ms()));
    const int n = epoll_wait(epfd, evs, 256, wait);
    for (int i = 0; i < n; ++i) {
      const int fd = evs[i].data.fd;
      if (fd == listen_fd) {
        accept_all();
      } else if (fd == wake_fd) {
        uint64_t v;
        [[maybe_unused]] auto r = ::read(wake_fd, &v, sizeof v);
      } else if (auto it = conns.find(fd); it != conns.end()) {
        on_event(*it->second, evs[i].events);
      }
    }
    collect();
    pump_streams();
    if (now_ms() >= next_sweep) {
      sweep();
      next_sweep = now_ms() + 100;
    }
    if (stopping.load() && !closing) {
      closing = true;
      if (listen_fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, listen_fd, nullptr);
        ::close(listen_fd);
        listen_fd = -1;
      }
      std::vector<int> idle;
      for (auto& [fd, c] : conns)
        if (c->state != State::busy) idle.push_back(fd);
      for (int fd : idle) close_conn(*conns[fd]);
    }
    if (closing && busy == 0) return;
  }
}

Listener::Listener(ListenerOptions opts) : impl_(std::make_unique<Impl>()) {
  impl_->o = std::move(opts);
  impl_->epfd = epoll_create1(EPOLL_CLOEXEC);
  impl_->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = impl_->wake_fd;
  epoll_ctl(impl_->epfd, EPOLL_CTL_ADD, impl_->wake_fd, &ev);
  // Leave room for the store, outgoing requests and logs below the descriptor limit.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 256)
    impl_->o.max_connections = std::min<size_t>(impl_->o.max_connections, rl.rlim_cur - 128);
}

Listener::~Listener() {
  stop();
  for (auto& [fd, c] : impl_->conns) {
    ::close(fd);
    if (c->stream) c->stream->detach();  // its owner may outlive us: no wake into a dead loop
  }
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  ::close(impl_->wake_fd);
  ::close(impl_->epfd);
}

Result<int> Listener::bind(const std::string& host, int port) {
  int fd = -1;
  auto bound = bind_exclusive(host, port, fd);
  if (!bound) return bound;
  impl_->listen_fd = fd;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(impl_->epfd, EPOLL_CTL_ADD, fd, &ev);
  return bound;
}

void Listener::run() {
  auto& d = *impl_;
  if (d.stopping.load() || d.listen_fd < 0) return;
  d.is_running = true;
  for (size_t i = 0; i < std::max<size_t>(1, d.o.threads); ++i) d.workers.emplace_back([&d] { d.worker(); });
  d.loop();
  {
    std::lock_guard<std::mutex> lock(d.mu);
    d.quit = true;
  }
  d.cv.notify_all();
  for (auto& t : d.workers) t.join();
  d.workers.clear();
  std::vector<int> left;
  for (auto& [fd, c] : d.conns) left.push_back(fd);
  for (int fd : left) d.close_conn(*d.conns[fd]);
  d.is_running = false;
}

void Listener::stop() {
  impl_->stopping = true;
  impl_->wake();
}

bool Listener::running() const { return impl_->is_running.load(); }
size_t Listener::connections() const { return impl_->open.load(std::memory_order_relaxed); }

}  // namespace wm::http
