#include "events/bus.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/json_limits.h"
#include "core/log.h"
#include "core/timeutil.h"

namespace wm::events {

namespace {

struct Sub {
  Subscription s;
  std::mutex m;
  std::condition_variable cv;
  std::deque<Event> q;
  bool behind = false;  // durable: overflowed, catch up from the journal
  bool busy = false;    // handling an event (or catching up)
  bool quit = false;
  uint64_t cursor = 0;  // durable: last durable seq handled (persisted)
  Counter* dropped = nullptr;
  Counter* failures = nullptr;
  std::thread thread;

  bool wants(Type t) const { return s.types.empty() || std::find(s.types.begin(), s.types.end(), t) != s.types.end(); }
  bool idle() const { return q.empty() && !busy && !behind; }
};

std::string cursor_key(const std::string& name) { return "c/" + name; }

}  // namespace

struct Bus::Impl {
  store::Store& store;
  Metrics& metrics;
  BusOptions opts;
  store::Table journal, cursors;
  std::mutex pub_mu;  // one publish at a time: seq order == journal order == delivery order
  uint64_t seq = 0;   // last assigned
  uint64_t published_durable = 0;
  std::mutex subs_mu;
  std::vector<std::shared_ptr<Sub>> subs;
  bool stopped = false;

  Impl(store::Store& st, Metrics& m, BusOptions o)
      : store(st), metrics(m), opts(std::move(o)), journal(st.table("bus_journal")), cursors(st.table("bus_cursors")) {
    if (!opts.clock) opts.clock = timeutil::now_ns;
    auto r = store.begin_read();
    r.scan(journal, "", "", true, [&](std::string_view k, std::string_view) {
      seq = store::key::read_u64(k);
      return false;
    });
    if (auto v = r.get(cursors, "_seq")) seq = std::max(seq, store::key::read_u64(*v));
  }

  std::vector<Event> read_journal(uint64_t after, size_t limit) const {
    std::vector<Event> out;
    auto r = store.begin_read();
    r.scan(journal, store::key::u64(after + 1), "", false, [&](std::string_view, std::string_view v) {
      auto j = json_limits::parse(v);
      if (j) {
        auto e = from_json(*j);
        if (e) out.push_back(std::move(*e));
      }
      return out.size() < limit;
    });
    return out;
  }

  uint64_t stored_cursor(const std::string& name) {
    auto r = store.begin_read();
    auto v = r.get(cursors, cursor_key(name));
    return v ? store::key::read_u64(*v) : UINT64_MAX;
  }

  void save_cursor(const Sub& sub, uint64_t c) {
    Status st = store.update([&](store::WriteTxn& w) { return w.put(cursors, cursor_key(sub.s.name), store::key::u64(c)); });
    if (!st) log::warn("event bus: cannot save a subscriber's cursor", {{"subscriber", sub.s.name}, {"error", st.error().message}});
  }

  void handle(Sub& sub, const Event& e) {
    try {
      sub.s.handler(e);
    } catch (const std::exception& ex) {
      sub.failures->inc();
      log::warn("event bus: a subscriber failed", {{"subscriber", sub.s.name}, {"event", std::string(name(e.type))}, {"error", ex.what()}});
    } catch (...) {
      sub.failures->inc();
      log::warn("event bus: a subscriber failed", {{"subscriber", sub.s.name}, {"event", std::string(name(e.type))}});
    }
  }

  // Durable catch-up: every journaled event after the cursor, in order.
  void catch_up(Sub& sub) {
    for (;;) {
      auto batch = read_journal(sub.cursor, 256);
      if (batch.empty()) return;
      for (const auto& e : batch) {
        if (sub.wants(e.type)) handle(sub, e);
        sub.cursor = e.seq;
      }
      save_cursor(sub, sub.cursor);
    }
  }

  // A durable subscriber's cursor on disk lags the one in memory by at most cursor_save_ms.
  struct CursorSaver {
    Impl& impl;
    Sub& sub;
    uint64_t saved;
    std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
    bool dirty() const { return sub.cursor != saved; }
    std::chrono::steady_clock::time_point due() const { return last + std::chrono::milliseconds(impl.opts.cursor_save_ms); }
    void save() {
      impl.save_cursor(sub, sub.cursor);
      saved = sub.cursor;
      last = std::chrono::steady_clock::now();
    }
    void maybe_save() {
      if (dirty() && std::chrono::steady_clock::now() >= due()) save();
    }
  };

  // Waits for work (sub.m held); a dirty cursor is saved when it comes due meanwhile.
  void wait_for_work(Sub& sub, CursorSaver& saver, std::unique_lock<std::mutex>& lock) {
    auto ready = [&] { return sub.quit || sub.behind || !sub.q.empty(); };
    while (saver.dirty() && !ready()) {
      if (sub.cv.wait_until(lock, saver.due(), ready)) return;
      lock.unlock();
      saver.save();
      lock.lock();
    }
    sub.cv.wait(lock, ready);
  }

  void run(Sub& sub) {
    const bool dur = sub.s.delivery == Delivery::durable;
    CursorSaver saver{*this, sub, sub.cursor};
    for (;;) {
      std::deque<Event> batch;
      bool catchup = false;
      {
        std::unique_lock<std::mutex> lock(sub.m);
        sub.busy = false;
        sub.cv.notify_all();
        wait_for_work(sub, saver, lock);
        if (sub.quit) {
          lock.unlock();
          if (saver.dirty()) saver.save();
          return;
        }
        catchup = std::exchange(sub.behind, false);
        batch.swap(sub.q);
        sub.busy = true;
      }
      if (catchup) catch_up(sub);
      for (const auto& e : batch) {
        if (dur && durable(e.type)) {
          if (e.seq <= sub.cursor) continue;  // already handled from the journal
          sub.cursor = e.seq;
        }
        handle(sub, e);
      }
      if (dur) saver.maybe_save();
    }
  }

  void offer(Sub& sub, const Event& e) {
    if (!sub.wants(e.type)) return;
    const bool dur = sub.s.delivery == Delivery::durable && durable(e.type);
    std::lock_guard<std::mutex> lock(sub.m);
    if (sub.quit) return;
    if (dur && sub.behind) return sub.dropped->inc();  // deferred: the journal has it
    if (sub.q.size() < sub.s.capacity) {
      sub.q.push_back(e);
    } else if (dur) {
      // Catch up from the journal instead (non-durable ones in the queue are lost): every
      // queued event and this one are counted, not the overflow as one.
      sub.dropped->inc(sub.q.size() + 1);
      sub.q.clear();
      sub.behind = true;
    } else {
      sub.dropped->inc();
      return;
    }
    sub.cv.notify_all();
  }

  using Also = std::function<Status(store::WriteTxn&)>;

  // Journals the durable ones of `evs` in one write transaction, with `also`'s writes when given
  // (no durable event and no `also`: no transaction).
  Status journal_events(const std::vector<Event>& evs, const Also* also) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& e : evs)
      if (durable(e.type)) rows.emplace_back(store::key::u64(e.seq), to_json(e).dump());
    if (rows.empty()) return also ? store.update(*also) : ok_status();
    const bool prune = (published_durable % 64) + rows.size() >= 64;
    Status st = store.update([&](store::WriteTxn& w) -> Status {
      if (also)
        if (auto s = (*also)(w); !s) return s;
      for (const auto& [k, v] : rows)
        if (auto s = w.put(journal, k, v); !s) return s;
      if (auto s = w.put(cursors, "_seq", rows.back().first); !s) return s;
      if (prune) prune_journal(w);
      return ok_status();
    });
    if (st) published_durable += rows.size();
    return st;
  }

  // Numbers, journals and offers drafts as one group (callers hold pub_mu).
  Result<std::vector<Event>> publish_locked(std::vector<Draft>& drafts, const Also* also = nullptr) {
    std::vector<Event> evs;
    evs.reserve(drafts.size());
    uint64_t next = seq;
    for (auto& d : drafts) {
      Event e;
      e.seq = ++next;
      e.type = d.type;
      e.at_ns = d.at_ns ? d.at_ns : opts.clock();
      e.body = std::move(d.body);
      evs.push_back(std::move(e));
    }
    if (auto s = journal_events(evs, also); !s) return s.error();
    seq = next;
    std::vector<std::shared_ptr<Sub>> targets;
    {
      std::lock_guard<std::mutex> lock(subs_mu);
      targets = subs;
    }
    for (const auto& e : evs)
      for (auto& t : targets) offer(*t, e);
    return evs;
  }

  // Drops journal entries older than keep_ns while more than keep_min remain.
  void prune_journal(store::WriteTxn& w) {
    size_t total = w.count(journal);
    if (total <= opts.keep_min) return;
    const int64_t cutoff = opts.clock() - opts.keep_ns;
    std::vector<std::string> old;
    w.scan(journal, "", "", false, [&](std::string_view k, std::string_view v) {
      if (total - old.size() <= opts.keep_min) return false;
      auto j = json_limits::parse(v);
      const int64_t at = j && j->is_object() ? j->value("at", int64_t{0}) : 0;
      if (at >= cutoff) return false;
      old.emplace_back(k);
      return true;
    });
    for (const auto& k : old) w.del(journal, k);
  }
};

Bus::Bus(store::Store& store, Metrics& metrics, BusOptions opts)
    : impl_(std::make_unique<Impl>(store, metrics, std::move(opts))) {}

Bus::~Bus() { stop(); }

Status Bus::subscribe(Subscription s) {
  if (!s.handler) return Error{"invalid_subscription", "a subscriber needs a handler"};
  auto sub = std::make_shared<Sub>();
  sub->dropped = impl_->metrics.counter("owncast_wm_bus_dropped_total",
                                        "Events a subscriber's full queue dropped", "subscriber", s.name);
  sub->failures = impl_->metrics.counter("owncast_wm_bus_handler_failures_total",
                                         "Events whose subscriber threw", "subscriber", s.name);
  sub->s = std::move(s);
  std::lock_guard<std::mutex> pub(impl_->pub_mu);  // no publish between reading the cursor and joining
  std::lock_guard<std::mutex> lock(impl_->subs_mu);
  if (impl_->stopped) return Error{"stopped", "the event bus is stopped"};
  for (const auto& x : impl_->subs)
    if (x->s.name == sub->s.name) return Error{"duplicate", "a subscriber named " + sub->s.name + " exists"};
  if (sub->s.delivery == Delivery::durable) {
    uint64_t c = impl_->stored_cursor(sub->s.name);
    if (c == UINT64_MAX) {
      c = impl_->seq;  // first start: from now on
      impl_->save_cursor(*sub, c);
    }
    sub->cursor = c;
    sub->behind = c < impl_->seq;  // the thread replays the journal first
  }
  Impl* impl = impl_.get();
  Sub* raw = sub.get();
  sub->thread = std::thread([impl, raw] { impl->run(*raw); });
  impl_->subs.push_back(std::move(sub));
  return ok_status();
}

void Bus::unsubscribe(const std::string& name) {
  std::shared_ptr<Sub> sub;
  {
    std::lock_guard<std::mutex> lock(impl_->subs_mu);
    auto it = std::find_if(impl_->subs.begin(), impl_->subs.end(), [&](const auto& x) { return x->s.name == name; });
    if (it == impl_->subs.end()) return;
    sub = *it;
    impl_->subs.erase(it);
  }
  {
    std::lock_guard<std::mutex> lock(sub->m);
    sub->quit = true;
    sub->cv.notify_all();
  }
  if (sub->thread.joinable()) sub->thread.join();
}

Result<Event> Bus::publish(Type type, Body body, int64_t at_ns) {
  std::vector<Draft> one;
  one.push_back(Draft{type, std::move(body), at_ns});
  std::lock_guard<std::mutex> pub(impl_->pub_mu);
  auto evs = impl_->publish_locked(one);
  if (!evs) return evs.error();
  return std::move(evs->front());
}

Result<Event> Bus::publish_with(Type type, Body body, int64_t at_ns, const std::function<Status(store::WriteTxn&)>& also) {
  std::vector<Draft> one;
  one.push_back(Draft{type, std::move(body), at_ns});
  std::lock_guard<std::mutex> pub(impl_->pub_mu);
  auto evs = impl_->publish_locked(one, &also);
  if (!evs) return evs.error();
  return std::move(evs->front());
}

Status Bus::publish_all(std::vector<Draft> drafts) {
  if (drafts.empty()) return ok_status();
  std::lock_guard<std::mutex> pub(impl_->pub_mu);
  auto evs = impl_->publish_locked(drafts);
  if (!evs) return evs.error();
  return ok_status();
}

std::vector<Event> Bus::journal(uint64_t after, size_t limit) const { return impl_->read_journal(after, limit); }

uint64_t Bus::last_seq() const {
  std::lock_guard<std::mutex> pub(impl_->pub_mu);
  return impl_->seq;
}

void Bus::stop() {
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(impl_->subs_mu);
    impl_->stopped = true;
    for (const auto& s : impl_->subs) names.push_back(s->s.name);
  }
  for (const auto& n : names) unsubscribe(n);
}

bool Bus::drain(int timeout_ms) {
  std::vector<std::shared_ptr<Sub>> subs;
  {
    std::lock_guard<std::mutex> lock(impl_->subs_mu);
    subs = impl_->subs;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  // A handler may publish (moderation turns tip_completed into tip_cleared): repeat until a pass
  // ends with nothing new published, so what handlers published meanwhile is drained too.
  for (;;) {
    const uint64_t before = last_seq();
    for (auto& s : subs) {
      std::unique_lock<std::mutex> lock(s->m);
      if (!s->cv.wait_until(lock, deadline, [&] { return s->quit || s->idle(); })) return false;
    }
    if (last_seq() == before) return true;
  }
}

}  // namespace wm::events
