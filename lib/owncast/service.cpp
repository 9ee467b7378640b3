#include "owncast/service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

#include "core/crypto.h"
#include "core/json_limits.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "owncast/bus_events.h"
#include "owncast/event.h"
#include "owncast/event_kinds.h"
#include "owncast/event_page.h"

namespace wm::owncast {

namespace {

using json = nlohmann::json;

// Stored form of one event: a one-line JSON header with what the API shows besides the data,
// a newline, then the body exactly as received. Built on the HTTP thread, so the writer only
// copies bytes; eventData is re-read from the raw body only when events are listed.
std::string stored_event(const Event& e, int64_t received_ns, std::string_view raw) {
  json user = nullptr;
  if (e.user) user = {{"id", e.user->id}, {"displayName", e.user->display_name}};
  json meta = {{"type", e.type},
               {"id", e.id},
               {"eventTime", timeutil::rfc3339_or_null(e.event_time_ns)},
               {"receivedAt", timeutil::format_rfc3339(received_ns)},
               {"user", std::move(user)}};
  std::string out = meta.dump(-1, ' ', false, json::error_handler_t::replace);
  out += '\n';
  out.append(raw);
  return out;
}

std::string stream_key(const StreamSession& s) {
  return store::key::u64(static_cast<uint64_t>(s.started_at)) + s.id;
}

json stream_api(const StreamSession& s) {
  return {{"id", s.id},
          {"title", s.title},
          {"startedAt", timeutil::rfc3339_or_null(s.started_at)},
          {"endedAt", timeutil::rfc3339_or_null(s.ended_at)},
          {"peakViewers", s.peak_viewers},
          {"live", s.ended_at == 0}};
}

// One queued unit of work for the writer.
struct Item {
  enum Kind { event, clients } kind = event;
  Event ev;
  std::string record;  // stored_event() form
  int64_t received_ns = 0;
  uint64_t ticket = 0;  // durable-ack ticket (0 = nobody waits)
  std::vector<ConnectedClient> list;
};

}  // namespace

struct Service::Impl {
  store::Store& store;
  Metrics& metrics;
  ServiceOptions opts;
  store::Table t_events, t_by_type, t_dedupe, t_streams, t_viewers, t_sessions, t_meta;

  // Queue.
  mutable std::mutex qmu;
  std::condition_variable qcv;       // writer waits for work
  std::condition_variable ackcv;     // handlers wait for commits
  std::deque<Item> queue;
  bool accepting = false;
  bool stopping = false;
  uint64_t next_ticket = 1;
  uint64_t committed_ticket = 0;     // every ticket <= this is durable
  std::vector<std::pair<uint64_t, uint64_t>> failed;  // ticket ranges whose batch failed
  std::thread writer;

  // Committed state.
  mutable std::mutex smu;
  Presence presence;
  uint64_t seq = 0;  // writer-thread only
  std::function<void()> stream_started_cb;

  // Metrics.
  Counter* dup_total;
  Histogram* commit_hist;

  Impl(store::Store& s, Metrics& m, ServiceOptions o) : store(s), metrics(m), opts(std::move(o)) {
    if (!opts.clock) opts.clock = timeutil::now_ns;
    t_events = store.table("events");
    t_by_type = store.table("events_by_type");
    t_dedupe = store.table("dedupe");
    t_streams = store.table("streams");
    t_viewers = store.table("viewers");
    t_sessions = store.table("viewer_sessions");
    t_meta = store.table("meta");
    dup_total = metrics.counter("owncast_wm_webhook_duplicates_total", "Webhook events dropped as duplicates");
    commit_hist = metrics.histogram("owncast_wm_webhook_batch_commit_seconds",
                                    "Time to commit one batch of webhook events",
                                    {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1});
  }

  // Counter lookups take the registry's lock, so the hot path uses pointers cached here.
  std::map<std::string, Counter*> received_by_type, rejected_by_reason;
  Counter* received(const std::string& type) {
    auto it = received_by_type.find(type);
    return it != received_by_type.end() ? it->second : received_by_type.at("other");
  }
  Counter* rejected(const std::string& reason) {
    auto it = rejected_by_reason.find(reason);
    return it != rejected_by_reason.end() ? it->second : rejected_by_reason.at("other");
  }
  void init_counters() {
    std::vector<std::string> types = known_event_types();
    types.push_back("other");
    for (const auto& t : types)
      received_by_type[t] = metrics.counter("owncast_wm_webhook_events_total", "Webhook events accepted, by type",
                                            "type", t);
    for (const char* r : {"bad_token", "invalid_json", "not_object", "bad_signature", "missing_signature",
                          "stale_signature", "queue_full", "not_stored", "too_deep", "field_too_long", "other"})
      rejected_by_reason[r] = metrics.counter("owncast_wm_webhook_rejected_total",
                                              "Webhook requests rejected, by reason", "reason", r);
  }

  Status restore() {
    std::vector<Viewer> viewers;
    std::optional<StreamSession> live;
    auto st = store.view([&](const store::ReadTxn& txn) {
      txn.scan(t_viewers, "", "", false, [&](std::string_view, std::string_view v) {
        auto j = json_limits::parse_or_discarded(v);
        if (j.is_object()) viewers.push_back(viewer_from_store(j));
        return true;
      });
      txn.scan(t_streams, "", "", true, [&](std::string_view, std::string_view v) {
        auto j = json_limits::parse_or_discarded(v);
        if (j.is_object()) {
          auto s = stream_from_store(j);
          if (s.ended_at == 0) live = s;
        }
        return false;  // only the newest session can be live
      });
      txn.scan(t_events, "", "", true, [&](std::string_view k, std::string_view) {
        seq = store::key::read_u64(k, 8) + 1;
        return false;
      });
      return ok_status();
    });
    if (!st) return st;
    std::lock_guard<std::mutex> lock(smu);
    presence.restore(viewers, live);
    return ok_status();
  }

  // Presence changes of one batch, merged so each record is written once per transaction.
  struct Pending {
    std::map<std::string, Viewer> viewers;
    std::vector<ViewerSession> closed;
    std::map<std::string, StreamSession> streams;  // by stream_key
    void add(Changes&& c) {
      for (auto& v : c.viewers) viewers[v.user_id] = std::move(v);
      for (auto& s : c.closed) closed.push_back(std::move(s));
      if (c.ended_stream) streams[stream_key(*c.ended_stream)] = *c.ended_stream;
      if (c.stream) streams[stream_key(*c.stream)] = *c.stream;
    }
  };

  Status persist(store::WriteTxn& txn, const Pending& p) {
    for (const auto& [id, v] : p.viewers) {
      if (v.present) {
        if (auto s = txn.put(t_viewers, id, to_store(v).dump()); !s) return s;
      } else {
        txn.del(t_viewers, id);
      }
    }
    for (const auto& s : p.closed) {
      auto st = txn.put(t_sessions, store::key::time_seq(static_cast<uint64_t>(s.left_at), seq++),
                        to_store(s).dump());
      if (!st) return st;
    }
    for (const auto& [key, s] : p.streams)
      if (auto st = txn.put(t_streams, key, to_store(s).dump()); !st) return st;
    return ok_status();
  }

  // Writes items [first, last) of a batch in one transaction. Presence is computed on a copy
  // that replaces the committed one only after the commit, so a retried transaction never
  // applies twice.
  // Bus events of one change set (only when someone listens), then the changes to persist.
  void add_changes(Pending& pending, Changes&& c, StreamEffect effect, std::vector<events::Draft>& drafts) const {
    if (opts.publish) append_drafts(c, effect, drafts);
    pending.add(std::move(c));
  }

  Status commit_range(std::vector<Item>& batch, size_t first, size_t last, bool& started,
                      std::vector<events::Draft>& published) {
    Presence next;
    uint64_t seq_start = seq;
    size_t dups = 0;
    bool range_started = false;
    std::vector<events::Draft> drafts;
    auto st = store.update([&](store::WriteTxn& txn) -> Status {
      {
        std::lock_guard<std::mutex> lock(smu);
        next = presence;
      }
      seq = seq_start;
      dups = 0;
      range_started = false;
      drafts.clear();
      Pending pending;
      for (size_t i = first; i < last; ++i) {
        Item& item = batch[i];
        if (item.kind == Item::clients) {
          add_changes(pending, next.reconcile(item.list, item.received_ns), StreamEffect::none, drafts);
          continue;
        }
        const Event& e = item.ev;
        if (opts.fail_store_for_test)
          if (auto s = opts.fail_store_for_test(e); !s) return s;
        const bool dedupe = dedupe_applies(e);
        std::string dk;
        if (dedupe) {
          dk = e.type + '\0' + e.id;
          if (txn.get(t_dedupe, dk)) {
            ++dups;
            continue;
          }
        }
        std::string key = store::key::time_seq(static_cast<uint64_t>(item.received_ns), seq++);
        if (auto s = txn.put(t_events, key, item.record); !s) return s;
        if (auto s = txn.put(t_by_type, e.type + '\0' + key, ""); !s) return s;
        if (dedupe)
          if (auto s = txn.put(t_dedupe, dk, key); !s) return s;
        if (opts.publish) append_follow(e, item.received_ns, drafts);
        const EventKindInfo& kind = kind_info(e.type);
        if (kind.presence == PresenceEffect::none && kind.stream == StreamEffect::none) continue;
        add_changes(pending, next.apply(e, item.received_ns), kind.stream, drafts);
        if (kind.stream == StreamEffect::started) range_started = true;
      }
      return persist(txn, pending);
    });
    if (!st) {
      seq = seq_start;
      return st;
    }
    {
      std::lock_guard<std::mutex> lock(smu);
      presence = std::move(next);
    }
    if (dups) dup_total->inc(dups);
    started |= range_started;
    std::move(drafts.begin(), drafts.end(), std::back_inserter(published));
    return st;
  }

  // Commits [first, last); when that fails, halves the range and tries each half in order, down
  // to single items, so one item the store refuses loses only itself, never its batch. Failed
  // items' tickets are added to `failed_tickets`.
  void commit_isolating(std::vector<Item>& batch, size_t first, size_t last, bool& started,
                        std::vector<uint64_t>& failed_tickets, std::vector<events::Draft>& published) {
    auto st = commit_range(batch, first, last, started, published);
    if (st) return;
    if (last - first == 1) {
      const Item& item = batch[first];
      log::error("webhook event not stored", {{"type", item.ev.type.substr(0, 64)}, {"error", st.error().message}});
      if (item.ticket) failed_tickets.push_back(item.ticket);
      return;
    }
    const size_t mid = first + (last - first) / 2;
    commit_isolating(batch, first, mid, started, failed_tickets, published);
    commit_isolating(batch, mid, last, started, failed_tickets, published);
  }

  void write_batch(std::vector<Item>& batch) {
    bool started = false;
    std::vector<uint64_t> failed_tickets;
    std::vector<events::Draft> published;
    commit_isolating(batch, 0, batch.size(), started, failed_tickets, published);
    if (!failed_tickets.empty())
      log::error("webhook batch: events not stored", {{"events", std::to_string(failed_tickets.size())},
                                                      {"batch", std::to_string(batch.size())}});
    uint64_t last_ticket = 0;
    for (const auto& item : batch) last_ticket = std::max(last_ticket, item.ticket);
    {
      std::lock_guard<std::mutex> lock(qmu);
      for (uint64_t t : failed_tickets) failed.emplace_back(t, t);
      committed_ticket = std::max(committed_ticket, last_ticket);
      while (failed.size() > 1024) failed.erase(failed.begin());  // waiters time out long before
    }
    ackcv.notify_all();
    if (!published.empty()) opts.publish(std::move(published));  // after the acks: never delays them
    if (started && stream_started_cb) stream_started_cb();
  }

  void expire_tick() {
    Presence next;
    std::vector<events::Draft> drafts;
    auto st = store.update([&](store::WriteTxn& txn) -> Status {
      {
        std::lock_guard<std::mutex> lock(smu);
        next = presence;
      }
      drafts.clear();
      Pending pending;
      add_changes(pending, next.expire(opts.clock()), StreamEffect::none, drafts);
      return persist(txn, pending);
    });
    if (!st) return;
    {
      std::lock_guard<std::mutex> lock(smu);
      presence = std::move(next);
    }
    if (!drafts.empty()) opts.publish(std::move(drafts));
  }

  void run_writer() {
    int64_t next_expire = timeutil::monotonic_ns() + opts.expire_every_ns;
    auto last_commit = std::chrono::steady_clock::now() - std::chrono::hours(1);
    const auto gap = std::chrono::microseconds(opts.commit_gap_us);
    for (;;) {
      std::vector<Item> batch;
      {
        std::unique_lock<std::mutex> lock(qmu);
        qcv.wait_for(lock, std::chrono::seconds(1), [&] { return !queue.empty() || stopping; });
        // Group commit: under load, let a batch gather for up to commit_gap since the last
        // commit, so one fsync covers many events instead of a few.
        if (!stopping && !queue.empty() && queue.size() < opts.max_batch)
          qcv.wait_until(lock, last_commit + gap, [&] { return stopping || queue.size() >= opts.max_batch; });
        if (queue.empty() && stopping) return;
        size_t n = std::min(queue.size(), opts.max_batch);
        batch.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      }
      if (!batch.empty()) {
        write_batch(batch);
        last_commit = std::chrono::steady_clock::now();
      }
      if (timeutil::monotonic_ns() >= next_expire) {
        expire_tick();
        next_expire = timeutil::monotonic_ns() + opts.expire_every_ns;
      }
    }
  }
};

Service::Service(store::Store& store, Metrics& metrics, ServiceOptions opts)
    : impl_(std::make_unique<Impl>(store, metrics, std::move(opts))) {
  Impl* d = impl_.get();
  metrics.gauge("owncast_wm_viewers", "Viewers present now", [d] {
    std::lock_guard<std::mutex> lock(d->smu);
    return static_cast<double>(d->presence.state().current_viewers);
  });
  metrics.gauge("owncast_wm_stream_online", "1 while the stream is live", [d] {
    std::lock_guard<std::mutex> lock(d->smu);
    return d->presence.state().online ? 1.0 : 0.0;
  });
  metrics.gauge("owncast_wm_webhook_queue_depth", "Webhook events waiting for the writer", [d] {
    std::lock_guard<std::mutex> lock(d->qmu);
    return static_cast<double>(d->queue.size());
  });
  d->init_counters();
}

Service::~Service() { stop(); }

Status Service::start() {
  if (auto s = impl_->restore(); !s) return s;
  std::lock_guard<std::mutex> lock(impl_->qmu);
  impl_->accepting = true;
  impl_->writer = std::thread([d = impl_.get()] { d->run_writer(); });
  return ok_status();
}

void Service::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->qmu);
    impl_->accepting = false;
    impl_->stopping = true;
  }
  impl_->qcv.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
}

Ack Service::submit(std::string_view body, std::string_view sig) {
  Impl& d = *impl_;
  const int64_t now = d.opts.clock();
  if (d.opts.signatures != SignatureMode::off && !d.opts.secret.empty() &&
      (!sig.empty() || d.opts.signatures == SignatureMode::required)) {
    auto check = verify_signature(sig, body, d.opts.secret, now / 1000000000);
    if (check != SignatureCheck::ok) {
      std::string reason = check == SignatureCheck::missing ? "missing_signature"
                           : check == SignatureCheck::stale ? "stale_signature"
                                                            : "bad_signature";
      d.rejected(reason)->inc();
      return {401, "invalid_signature", std::string("webhook signature ") + to_string(check)};
    }
  }
  auto parsed = parse_event(body);
  if (!parsed) {
    d.rejected(parsed.error().code)->inc();
    return {400, parsed.error().code, parsed.error().message};
  }
  Counter* received = d.received(parsed->type);
  std::string record = stored_event(*parsed, now, body);
  // The writer needs only the extracted fields; the parsed tree is freed on this thread.
  parsed->data = json();
  uint64_t ticket;
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(d.qmu);
    if (!d.accepting) {
      d.rejected("queue_full")->inc();
      return {503, "unavailable", "shutting down"};
    }
    if (d.queue.size() >= d.opts.queue_capacity) {
      d.rejected("queue_full")->inc();
      return {503, "queue_full", "too many events waiting to be stored; try again"};
    }
    ticket = d.opts.durable_ack ? d.next_ticket++ : 0;
    was_empty = d.queue.empty();
    d.queue.push_back(Item{Item::event, std::move(*parsed), std::move(record), now, ticket, {}});
  }
  if (was_empty) d.qcv.notify_one();  // otherwise the writer will find it on its next pass
  received->inc();
  if (!d.opts.durable_ack) return {200, "accepted", "queued"};
  std::unique_lock<std::mutex> lock(d.qmu);
  // Batches are written in ticket order: once the writer is past this ticket, the event is
  // durable unless its batch is listed as failed.
  bool done = d.ackcv.wait_for(lock, std::chrono::milliseconds(d.opts.ack_timeout_ms),
                               [&] { return d.committed_ticket >= ticket; });
  bool failed = std::any_of(d.failed.begin(), d.failed.end(),
                            [&](const auto& r) { return ticket >= r.first && ticket <= r.second; });
  if (done && !failed) return {200, "stored", "stored"};
  lock.unlock();
  d.rejected("not_stored")->inc();
  return {503, "not_stored", done ? "the event could not be stored" : "timed out waiting for the store"};
}

void Service::submit_clients(std::vector<ConnectedClient> clients, int64_t fetched_at_ns) {
  {
    std::lock_guard<std::mutex> lock(impl_->qmu);
    if (!impl_->accepting) return;
    Item it;
    it.kind = Item::clients;
    it.received_ns = fetched_at_ns;
    it.list = std::move(clients);
    impl_->queue.push_back(std::move(it));
  }
  impl_->qcv.notify_one();
}

void Service::on_stream_started(std::function<void()> fn) { impl_->stream_started_cb = std::move(fn); }

StreamState Service::stream_state() const {
  std::lock_guard<std::mutex> lock(impl_->smu);
  return impl_->presence.state();
}

std::vector<Viewer> Service::viewers() const {
  std::lock_guard<std::mutex> lock(impl_->smu);
  return impl_->presence.present();
}

size_t Service::queue_depth() const {
  std::lock_guard<std::mutex> lock(impl_->qmu);
  return impl_->queue.size();
}

Result<json> Service::list_events(std::string_view type, size_t limit, std::string_view before) const {
  return event_page(impl_->store, impl_->t_events, impl_->t_by_type, EventPageQuery{type, limit, before});
}

json Service::list_streams(size_t limit) const {
  json out = json::array();
  (void)impl_->store.view([&](const store::ReadTxn& txn) {
    txn.scan(impl_->t_streams, "", "", true, [&](std::string_view, std::string_view v) {
      auto j = json_limits::parse_or_discarded(v);
      if (j.is_object()) out.push_back(stream_api(stream_from_store(j)));
      return out.size() < limit;
    });
    return ok_status();
  });
  return json{{"streams", std::move(out)}};
}

}  // namespace wm::owncast
