// Keeps presence honest: Owncast's joins are lossy, so the connected clients are fetched from
// its integration API at start, after each STREAM_STARTED and every interval, and handed to
// the Service. Owncast being down is logged (once per outage), never fatal.
#pragma once
#include <condition_variable>
#include <mutex>
#include <thread>

#include "owncast/api_client.h"
#include "owncast/service.h"

namespace wm::owncast {

class Reconciler {
 public:
  Reconciler(ApiClient client, Service& service, int interval_s = 60);
  ~Reconciler();  // stop()
  void start();
  void trigger();  // fetch soon (e.g. after STREAM_STARTED)
  void stop();
  uint64_t runs() const;  // completed fetch attempts (tests and metrics)

 private:
  void loop();
  ApiClient client_;
  Service& service_;
  int interval_s_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, triggered_ = false, failing_ = false;
  uint64_t runs_ = 0;
  std::thread thread_;
};

}  // namespace wm::owncast
