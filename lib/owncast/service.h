// The Owncast side of the sidecar: webhook ingestion (bounded queue + group commit into the
// store), stream state and viewer presence, and the queries behind the API.
//
// Data flow: HTTP handler -> Service::submit() -> queue -> writer thread -> one LMDB write
// transaction per batch (events, dedupe index, presence changes) -> in-memory state swapped
// in after the commit. Readers see only committed state.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/metrics.h"
#include "core/result.h"
#include "events/events.h"
#include "owncast/event.h"
#include "owncast/presence.h"
#include "store/store.h"

namespace wm::owncast {

struct ServiceOptions {
  size_t queue_capacity = 16384;   // events waiting for the writer; beyond that submit() -> 503
  size_t max_batch = 2048;         // events per write transaction
  bool durable_ack = true;         // submit() returns only after the event is committed
  int ack_timeout_ms = 5000;       // durable ack gives up (503) after this long
  int commit_gap_us = 2000;        // minimum time between commits while events keep arriving
  SignatureMode signatures = SignatureMode::if_present;
  std::string secret;              // HMAC secret for owncast-signature (may be empty)
  int64_t expire_every_ns = 30LL * 1000000000;
  std::function<int64_t()> clock;  // wall clock in ns (tests inject); default timeutil::now_ns
  // The domain events the writer committed, handed over after each commit (on the writer
  // thread, after durable-ack waiters were released), in order: follow_received, stream_started,
  // stream_stopped, viewer_joined, viewer_left (also from reconciles and idle expiry). A
  // duplicate delivery publishes nothing. Must not block: the app hands them to the event bus
  // (events::Bus::publish_all). Empty: nothing is collected.
  std::function<void(std::vector<events::Draft>)> publish;
  // Test hook: an error makes the store write of that event fail (as LMDB would, e.g.
  // MDB_BAD_VALSIZE), to prove one failing event never takes its batch with it.
  std::function<Status(const Event&)> fail_store_for_test;
};

// What submit() decided, mapped 1:1 onto the HTTP answer by the handler.
struct Ack {
  int status = 200;        // 200 stored/accepted, 400, 401, 503
  std::string code;        // "stored", "accepted", or the error code
  std::string message;
};

class Service {
 public:
  Service(store::Store& store, Metrics& metrics, ServiceOptions opts);
  ~Service();  // stop()
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Restores presence from the store and starts the writer thread.
  Status start();
  // Stops accepting, writes everything queued, joins the writer. Idempotent.
  void stop();

  // Webhook entry point: raw body and the owncast-signature header ("" if absent). Verifies
  // the signature (per options) before parsing, parses, enqueues, and with durable_ack waits
  // for the commit.
  Ack submit(std::string_view body, std::string_view signature_header);

  // Presence snapshot from Owncast's connected clients, fetched at fetched_at_ns.
  void submit_clients(std::vector<ConnectedClient> clients, int64_t fetched_at_ns);
  // Called (from the writer thread) after a STREAM_STARTED was committed.
  void on_stream_started(std::function<void()> fn);

  // Queries (committed state only).
  StreamState stream_state() const;
  std::vector<Viewer> viewers() const;
  // Events newest first. type "" = all. before = cursor from a previous page ("" = newest).
  // Returns {"events":[...],"next":cursor|null}. Errors: "invalid_cursor".
  Result<nlohmann::json> list_events(std::string_view type, size_t limit, std::string_view before) const;
  // Stream sessions newest first: {"streams":[{id,title,startedAt,endedAt,peakViewers,live}]}
  nlohmann::json list_streams(size_t limit) const;
  size_t queue_depth() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Webhook path tokens: the configured ones (comma-separated, at most two: current and
// previous while rotating), or one generated at first start (128 random bits) and kept in the
// store's secrets table. Errors: "invalid_config" for a token shorter than 22 characters.
Result<std::vector<std::string>> webhook_tokens(store::Store& store, const std::string& configured);
// True if `token` equals one of `tokens`, compared in constant time.
bool token_matches(const std::vector<std::string>& tokens, std::string_view token);

}  // namespace wm::owncast
