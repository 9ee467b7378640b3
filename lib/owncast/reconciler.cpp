#include "owncast/reconciler.h"

#include "core/log.h"
#include "core/timeutil.h"

namespace wm::owncast {

Reconciler::Reconciler(ApiClient client, Service& service, int interval_s)
    : client_(std::move(client)), service_(service), interval_s_(interval_s) {}

Reconciler::~Reconciler() { stop(); }

void Reconciler::start() {
  if (!client_.configured() || thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void Reconciler::trigger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    triggered_ = true;
  }
  cv_.notify_all();
}

void Reconciler::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t Reconciler::runs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return runs_;
}

void Reconciler::loop() {
  for (;;) {
    int64_t fetched_at = timeutil::now_ns();
    auto clients = client_.clients();
    bool ok = static_cast<bool>(clients);
    if (ok) {
      service_.submit_clients(std::move(*clients), fetched_at);
      if (failing_) log::info("owncast reachable again; presence reconciled");
    } else if (!failing_) {
      log::warn("presence reconcile failed; will retry", {{"error", clients.error().message}});
    }
    std::unique_lock<std::mutex> lock(mu_);
    failing_ = !ok;
    ++runs_;
    cv_.notify_all();
    cv_.wait_for(lock, std::chrono::seconds(interval_s_), [&] { return stop_ || triggered_; });
    if (stop_) return;
    triggered_ = false;
  }
}

}  // namespace wm::owncast
