#include "http/stream.h"

#include <cstdio>

#include "http/stream_slot.h"

namespace wm::http {

namespace {
thread_local StreamSlot* t_slot = nullptr;
}

StreamSlotScope::StreamSlotScope(StreamSlot& slot) : prev_(t_slot) { t_slot = &slot; }
StreamSlotScope::~StreamSlotScope() { t_slot = prev_; }

std::shared_ptr<Stream> start_stream(httplib::Response& res) {
  if (!t_slot || t_slot->stream) return nullptr;
  t_slot->stream = std::make_shared<Stream>();
  t_slot->headers.clear();
  for (const auto& [k, v] : res.headers) t_slot->headers.emplace_back(k, v);
  return t_slot->stream;
}

bool Stream::send(std::string_view data) {
  std::function<void()> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    if (data.empty()) return true;
    if (pending_.size() + data.size() > kMaxPending) {  // the client stopped reading
      closed_ = true;
      wake = wake_;
    } else {
      char size[24];
      std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      pending_ += size;
      pending_.append(data);
      pending_ += "\r\n";
      wake = wake_;
    }
  }
  if (wake) wake();
  std::lock_guard<std::mutex> lock(mu_);
  return !closed_;
}

void Stream::close() {
  std::function<void()> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    wake = wake_;
  }
  if (wake) wake();
}

bool Stream::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

void Stream::on_close(std::function<void()> fn) {
  bool now = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (detached_) now = true;
    else on_close_ = std::move(fn);
  }
  if (now && fn) fn();
}

void Stream::attach(std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(mu_);
  wake_ = std::move(wake);
}

std::string Stream::take(bool& closed_now) {
  std::lock_guard<std::mutex> lock(mu_);
  closed_now = closed_;
  std::string out;
  out.swap(pending_);
  return out;
}

void Stream::detach() {
  std::function<void()> fn;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (detached_) return;
    detached_ = true;
    closed_ = true;
    wake_ = nullptr;
    pending_.clear();
    fn = std::move(on_close_);
  }
  if (fn) fn();
}

}  // namespace wm::http
