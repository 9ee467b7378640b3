// Internal to lib/http: where start_stream() leaves the stream a handler opened, for the
// server to hand to the listener with the response head.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/stream.h"

namespace wm::http {

struct StreamSlot {
  std::shared_ptr<Stream> stream;
  std::vector<std::pair<std::string, std::string>> headers;  // the handler's, at start_stream()
};

// Makes start_stream() on this thread fill `slot` while the scope lives.
class StreamSlotScope {
 public:
  explicit StreamSlotScope(StreamSlot& slot);
  ~StreamSlotScope();
  StreamSlotScope(const StreamSlotScope&) = delete;
  StreamSlotScope& operator=(const StreamSlotScope&) = delete;

 private:
  StreamSlot* prev_;
};

}  // namespace wm::http
