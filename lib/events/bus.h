// The in-process event bus: publishers hand over committed domain events, subscribers receive
// them on their own thread. The publisher never waits for a subscriber.
//
// Delivery, chosen per subscriber (Subscription::delivery):
//   drop     a bounded in-memory queue; when it is full the event is dropped for that subscriber
//            and counted in owncast_wm_bus_dropped_total{subscriber}. For live-only consumers
//            (dashboards, presence) where a missed event is harmless or recovered by a snapshot.
//   durable  the subscriber has a cursor in the store (bus_cursors) and receives every durable
//            event (events::durable) in order, at least once: after a restart it resumes after
//            its cursor from the journal, and when its in-memory queue overflows it catches up
//            from the journal instead of dropping. Handlers must therefore be idempotent per
//            event seq (or per domain id, e.g. the tip id). The cursor is saved at most every
//            BusOptions::cursor_save_ms while events keep coming, when the subscriber goes idle
//            for that long, and when it stops: a crash replays at most that much (one write per
//            event per subscriber kept the store's single writer busy and delayed live alerts). Non-durable events are delivered to
//            durable subscribers best-effort, like `drop`.
//            owncast_wm_bus_dropped_total{subscriber} counts, for a durable subscriber, every
//            event deferred to the journal: the queued ones cleared at the overflow, the one that
//            overflowed it, and each one offered while it is catching up. None of them is lost;
//            a non-durable event among the cleared ones is (it is not journaled).
//
// The journal (table bus_journal, key = seq) keeps durable events for 24 hours and at least the
// newest 1,000, so live consumers can also replay "what did I miss since seq N" (journal()).
//
// Thread safety: every method may be called from any thread. Handlers run on the
// subscriber's thread, one event at a time, in seq order.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/result.h"
#include "events/events.h"
#include "store/store.h"

namespace wm::events {

enum class Delivery { drop, durable };

struct Subscription {
  std::string name;               // stable: names the cursor and the metric label
  Delivery delivery = Delivery::drop;
  size_t capacity = 1024;         // in-memory queue bound
  std::vector<Type> types;        // empty = every type
  std::function<void(const Event&)> handler;  // exceptions are caught, logged and counted
};

struct BusOptions {
  int64_t keep_ns = 24LL * 3600 * 1000000000;  // journal retention by age ...
  size_t keep_min = 1000;                       // ... but never fewer than this many events
  std::function<int64_t()> clock;               // unix ns; default timeutil::now_ns
  int cursor_save_ms = 200;                     // durable cursors: see above; 0 = after every batch
};

class Bus {
 public:
  // Reads the journal's last seq so numbering continues after a restart.
  Bus(store::Store& store, Metrics& metrics, BusOptions opts = {});
  ~Bus();  // stop()
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  // Registers a subscriber and starts its thread. A durable subscriber first receives what the
  // journal holds after its stored cursor (nothing on its very first start: the cursor starts
  // at the journal's end). Subscribing the same name twice is an error ("duplicate").
  Status subscribe(Subscription s);
  // Removes a subscriber: its thread finishes the event in hand and exits; queued events are
  // dropped (a durable subscriber gets them again from the journal next time).
  void unsubscribe(const std::string& name);

  // Assigns the next seq, journals durable events (one small write transaction), then offers
  // the event to every matching subscriber without blocking. Returns the event as published,
  // or the store error when journaling failed (then nobody received it).
  Result<Event> publish(Type type, Body body, int64_t at_ns = 0);
  // publish() for several events at once, in order (consecutive seqs): the durable ones are
  // journaled in ONE write transaction (one fsync for a whole group, e.g. a webhook batch).
  // All or nothing: on a store error nobody receives any of them.
  Status publish_all(std::vector<Draft> drafts);
  // publish() of a durable event whose journal write carries the caller's writes in the same
  // transaction: the event is published exactly when `also` commits. When `also` fails nothing is
  // written, nobody receives the event, and its error is returned (a caller may fail on purpose,
  // e.g. "already decided", to publish nothing). `also` runs while publishing is locked: keep it
  // to a few reads and writes, and never publish from it.
  Result<Event> publish_with(Type type, Body body, int64_t at_ns, const std::function<Status(store::WriteTxn&)>& also);

  // Durable events with seq > after, oldest first, at most `limit` (replay for live clients).
  std::vector<Event> journal(uint64_t after, size_t limit) const;
  uint64_t last_seq() const;

  // Stops every subscriber thread (each finishes the event in hand). Idempotent.
  void stop();

  // Blocks until every subscriber has handled everything published before the call, and what
  // their handlers published meanwhile, or the deadline passes; true when drained. For orderly
  // shutdown and tests.
  bool drain(int timeout_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wm::events
