// Listener's private state (lib/http only): the connection record, the worker hand-off and
// Listener::Impl, shared by listener.cpp (accept, read, dispatch, write) and
// listener_streams.cpp (long-lived streaming responses).
#pragma once
#include "http/listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/timeutil.h"
#include "http/listener_socket.h"
#include "http/wire.h"

namespace wm::http {
namespace listener_detail {

inline int64_t now_ms() { return timeutil::monotonic_ns() / 1000000; }

enum class State { idle, reading, busy, writing, draining, streaming };

struct Conn {
  uint64_t id = 0;
  int fd = -1;
  std::string ip, local_ip;
  int port = 0, local_port = 0;
  State state = State::idle;
  int64_t deadline = 0;
  std::string in, out;
  size_t out_off = 0;
  size_t requests = 0;
  bool close_after = false;
  bool peer_eof = false;
  uint32_t events = 0;  // registered epoll events, 0 = not registered
  std::optional<wire::Head> head;  // of the request being read
  std::optional<wire::ChunkedScanner> chunks;
  size_t scanned = 0;  // chunked body bytes scanned
  uint64_t limit = 0;
  size_t drained = 0;
  std::shared_ptr<Stream> stream;  // State::streaming
};

constexpr int64_t kNever = INT64_MAX;

struct Task {
  int fd;
  uint64_t id;
  RawRequest req;
};
struct Done {
  int fd;
  uint64_t id;
  RawResponse res;
};

}  // namespace listener_detail

using listener_detail::Conn;
using listener_detail::Done;
using listener_detail::kNever;
using listener_detail::now_ms;
using listener_detail::State;
using listener_detail::Task;

struct Listener::Impl {
  ListenerOptions o;
  int listen_fd = -1, epfd = -1, wake_fd = -1;
  std::atomic<bool> stopping{false}, is_running{false};
  std::atomic<size_t> open{0};
  std::unordered_map<int, std::unique_ptr<Conn>> conns;  // by fd; epoll thread only
  std::unordered_map<std::string, size_t> per_ip;
  uint64_t next_id = 1;
  size_t busy = 0;  // connections whose request is with a worker
  std::unordered_set<int> streaming;  // fds of State::streaming connections

  std::mutex mu;  // guards tasks, done, quit
  std::condition_variable cv;
  std::deque<Task> tasks;
  std::vector<Done> done;
  bool quit = false;
  std::vector<std::thread> workers;

  void wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }
  void refused(std::string_view reason, const std::string& ip, const Conn* c, int status) {
    if (!o.on_refused) return;
    o.on_refused(reason, ip, c && c->head ? c->head->method : "", c && c->head ? c->head->path : "", status);
  }

  void worker();
  void loop();
  void accept_all();
  void on_event(Conn& c, uint32_t ev);
  void read_some(Conn& c);
  void advance(Conn& c);
  void dispatch(Conn& c, size_t end);
  void refuse(Conn& c, int status, std::string_view code, const std::string& message);
  void collect();
  void flush(Conn& c);
  void drain(Conn& c);
  void sweep();
  void watch(Conn& c, uint32_t events);
  void close_conn(Conn& c);
  void start_stream(Conn& c, std::shared_ptr<Stream> s);
  void pump_streams();
  void on_stream_event(Conn& c, uint32_t ev);
  void streamed(Conn& c);
};

}  // namespace wm::http
