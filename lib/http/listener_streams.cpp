// Listener: streaming responses (Server-Sent Events). A streaming connection never holds a
// worker; its owner queues data on the Stream and the epoll thread writes it out.
#include "http/listener_impl.h"

namespace wm::http {

// A streaming connection: the head is in c.out; from now on the stream's owner supplies data.
void Listener::Impl::start_stream(Conn& c, std::shared_ptr<Stream> s) {
  c.stream = std::move(s);
  c.state = State::streaming;
  c.close_after = true;
  c.deadline = kNever;
  streaming.insert(c.fd);
  c.stream->attach([this] { wake(); });
  bool closed = false;
  c.out += c.stream->take(closed);  // what the handler sent before returning (a replay)
  if (!closed) c.close_after = false;
  flush(c);
}

void Listener::Impl::pump_streams() {
  if (streaming.empty()) return;
  std::vector<int> fds(streaming.begin(), streaming.end());
  for (int fd : fds) {
    auto it = conns.find(fd);
    if (it == conns.end()) continue;
    Conn& c = *it->second;
    bool closed = false;
    std::string more = c.stream->take(closed);
    if (closed) c.close_after = true;
    if (more.empty() && !closed) continue;
    const bool waiting = c.out_off < c.out.size();
    c.out += more;
    if (!waiting) flush(c);  // else EPOLLOUT continues the write
  }
}

void Listener::Impl::on_stream_event(Conn& c, uint32_t ev) {
  if (ev & (EPOLLRDHUP | EPOLLHUP)) return close_conn(c);
  if (ev & EPOLLIN) {
    char buf[4096];
    ssize_t n = recv(c.fd, buf, sizeof buf, 0);  // a stream takes no requests: input is ignored
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return close_conn(c);
  }
  if (ev & EPOLLOUT) flush(c);
}

// Everything queued for a stream was sent.
void Listener::Impl::streamed(Conn& c) {
  if (c.close_after || stopping.load()) {
    shutdown(c.fd, SHUT_WR);
    return close_conn(c);
  }
  c.deadline = kNever;
  watch(c, EPOLLIN | EPOLLRDHUP);
}

}  // namespace wm::http
