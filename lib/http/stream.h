// Streaming responses (Server-Sent Events): a handler hands its connection to a Stream and
// returns at once; the listener's epoll thread then sends whatever the Stream's owner pushes,
// so an open stream holds a socket and a small buffer, never a handler thread.
//
// Framing: the head is "200" with the handler's headers, "Transfer-Encoding: chunked" and
// "Connection: close"; each send() becomes one chunk. The connection ends when the owner calls
// close(), the client disconnects, the client stops reading (more than kMaxPending bytes
// unsent, or nothing sent for the write timeout while data waits), or the server stops.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <httplib.h>

namespace wm::http {

class Stream {
 public:
  static constexpr size_t kMaxPending = 256u << 10;

  // Queues data as one chunk. False once the stream is closed (then the owner drops it).
  bool send(std::string_view data);
  void close();
  bool closed() const;
  // Called once, on the listener's thread, when the connection is gone (any reason).
  void on_close(std::function<void()> fn);

  // Listener side.
  void attach(std::function<void()> wake);  // wake: tells the listener data is pending
  std::string take(bool& closed_now);       // pending chunks (framed), and whether closed
  void detach();                            // connection gone: closed, on_close runs

 private:
  mutable std::mutex mu_;
  std::string pending_;
  bool closed_ = false;
  bool detached_ = false;
  std::function<void()> wake_;
  std::function<void()> on_close_;
};

// In a handler: turns this response into a stream (call at most once; the handler's status and
// body are ignored, its headers are kept). Null outside a Server handler.
std::shared_ptr<Stream> start_stream(httplib::Response& res);

}  // namespace wm::http
