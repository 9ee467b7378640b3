// The live hub: holds the open SSE clients (overlays and the admin dashboard), turns bus events
// into SSE frames (alerts/sse.h) and sends them; replays what a reconnecting client missed from
// the bus journal, exactly once; sends a heartbeat comment every 15 s.
//
// Exactly once: a client is registered, under the hub's lock, with "sent up to" = the last seq
// it has (its Last-Event-ID, or the bus's last seq for a new client); the replay from the
// journal and every live event afterwards send only seqs above it and raise it. Live events
// reach the hub through a `drop` bus subscription ("alerts"); a client that misses one (queue
// overflow) gets it after its next reconnect.
//
// Caps: at most max_overlay overlay clients and max_dashboard dashboard clients; open() beyond
// answers "too_many_clients" (the route says 503). Streams never hold a handler thread
// (http/stream.h), so clients cannot starve webhooks or the tip API of threads.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "alerts/sse.h"
#include "core/metrics.h"
#include "core/result.h"
#include "events/bus.h"
#include "http/stream.h"

namespace wm::alerts {

enum class Audience { overlay, dashboard };

struct HubOptions {
  size_t max_overlay = 32;
  size_t max_dashboard = 32;
  int heartbeat_ms = 15000;
  std::function<View()> view;  // currency style, alert settings, test amount (asked per event)
};

class Hub {
 public:
  Hub(events::Bus& bus, Metrics& metrics, HubOptions opts);
  ~Hub();  // stop()
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  Status start();  // subscribes to the bus and starts the heartbeat
  void stop();     // closes every client; idempotent

  // Adds a client. `open_stream` turns the HTTP response into a stream (http::start_stream);
  // it is called only when there is room. Replays journaled events after last_event_id; an id
  // above the bus's last seq (another data dir's numbering) counts as none (live from now).
  // Errors: "too_many_clients", "unavailable" (stopped).
  Status open(Audience a, std::optional<uint64_t> last_event_id,
              const std::function<std::shared_ptr<http::Stream>()>& open_stream);
  void close_all(Audience a);  // e.g. the overlay key changed: old URLs stop at once
  // A live-only control event (alert.skip, alert.replay, goal) to every client.
  void broadcast(const std::string& event, const nlohmann::json& data);
  size_t clients(Audience a) const;

  // Handles one bus event (the bus subscription calls this; tests may too).
  void deliver(const events::Event& e);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// "Last-Event-ID" header value -> seq; nullopt when absent or not a decimal number.
std::optional<uint64_t> parse_last_event_id(const std::string& header);

}  // namespace wm::alerts
