// Outgoing webhooks: endpoints, a persisted outbox and a delivery worker pool.
//
// The bus subscriber (subscription(): durable, name "webhooks") only writes one outbox row per
// (endpoint, event) into LMDB and returns; the delivery workers send them. A tip, Owncast's
// webhooks and the bus never wait for a receiver.
//
// Delivery: at least once, the same webhook-id on every attempt (and on Redeliver); 10 s timeout;
// a 2xx is success; 410 Gone disables the endpoint at once; other answers, timeouts and
// connection errors are retried after 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly, each
// with ±20 % jitter, until 24 h after the first attempt. An endpoint failing for 24 h (no success
// since its first failure) is disabled with a warning. Per-endpoint ordering is not promised.
// Each attempt is logged (time, status, latency, first 1 KiB of the answer), kept 7 days with the
// message it sent (so it can be redelivered).
//
// Thread safety: every method may be called from any thread.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "events/bus.h"
#include "store/store.h"
#include "webhooks/endpoints.h"
#include "webhooks/payload.h"
#include "webhooks/sender.h"

namespace wm::webhooks {

struct Options {
  std::shared_ptr<Sender> sender;             // required
  std::function<int64_t()> clock;             // unix ns; default timeutil::now_ns
  std::vector<int64_t> schedule_ns;           // retry delays; default 5 s … 1 h (then the last, hourly)
  std::function<int64_t(int64_t)> jitter;     // delay -> jittered delay; default ±20 % random
  int64_t give_up_ns = 24LL * 3600 * 1000000000;       // a message is retried this long
  int64_t disable_after_ns = 24LL * 3600 * 1000000000; // an endpoint failing this long is disabled
  int64_t keep_ns = 7LL * 24 * 3600 * 1000000000;      // delivery log and messages
  int64_t overlap_ns = 24LL * 3600 * 1000000000;       // a rotated secret keeps signing this long
  int timeout_ms = 10000;
  size_t workers = 4;
  size_t per_endpoint = 2;  // attempts in flight per endpoint (a slow one cannot take every worker)
  Render render;
  OwnListeners own;  // the sidecar's listeners (refused as targets); unset: none
};

struct Created {
  nlohmann::json endpoint;  // to_json(Endpoint)
  std::string secret;       // shown once
};

class Webhooks {
 public:
  Webhooks(store::Store& store, Options opts);
  ~Webhooks();  // stop()
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  // Loads endpoints and pending deliveries and starts the workers.
  Status start();
  void stop();  // workers finish the attempt in hand; pending rows stay in LMDB

  // The durable bus subscriber that fills the outbox.
  events::Subscription subscription();
  // The subscriber's handler (idempotent per event seq and endpoint).
  void on_event(const events::Event& e);

  nlohmann::json list() const;  // {"webhooks":[…]}
  Result<Created> create(const nlohmann::json& body);
  Result<nlohmann::json> update(const std::string& id, const nlohmann::json& body);
  Status remove(const std::string& id);
  Result<std::string> rotate_secret(const std::string& id);  // the new secret (shown once)
  Result<nlohmann::json> deliveries(const std::string& id, size_t limit) const;
  Status redeliver(const std::string& id, const std::string& delivery_id);
  Result<std::string> send_test(const std::string& id);  // the delivery id

  void wake();  // re-check due deliveries now (tests advancing a fake clock)
  size_t pending() const;  // outbox rows not yet delivered or given up

  // Errors: "not_found" (unknown id), "invalid_webhook" (with field), "refused_target", "store_error".

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wm::webhooks
