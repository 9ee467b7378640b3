// A raw-socket SSE reader for tests: sends one GET and collects the streamed bytes, so a test
// can wait (with a deadline) for frames to arrive and see exactly what was sent.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>

namespace wm::test {

class SseClient {
 public:
  SseClient(int port, const std::string& target, const std::string& extra_headers = "") {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
                            extra_headers + "\r\n";
    [[maybe_unused]] auto n = send(fd_, req.data(), req.size(), MSG_NOSIGNAL);
  }
  ~SseClient() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Reads until pred(all bytes so far) holds, the peer closes or the deadline passes.
  bool wait_for(const std::function<bool(const std::string&)>& pred, int timeout_ms = 5000) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!pred(data)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || eof) return pred(data);
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[8192];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) eof = true;
      else data.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  bool wait_contains(const std::string& s, int timeout_ms = 5000) {
    return wait_for([&](const std::string& d) { return d.find(s) != std::string::npos; }, timeout_ms);
  }
  bool wait_closed(int timeout_ms = 5000) {
    wait_for([this](const std::string&) { return eof; }, timeout_ms);
    return eof;
  }
  size_t count(const std::string& s) const {
    size_t n = 0;
    for (size_t at = data.find(s); at != std::string::npos; at = data.find(s, at + 1)) ++n;
    return n;
  }
  std::string data;
  bool eof = false;

 private:
  int fd_ = -1;
};

}  // namespace wm::test
