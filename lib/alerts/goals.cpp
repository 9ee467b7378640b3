#include "alerts/goals.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "core/timeutil.h"

namespace wm::alerts {

namespace {

using json = nlohmann::json;
constexpr std::string_view kActive = "active";
constexpr size_t kTitleMax = 120;

Error bad(const char* field, const std::string& message) { return Error{"invalid_goal", message, field}; }

std::string key_of(int64_t started_ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "g/%020lld", static_cast<long long>(started_ns));
  return buf;
}

json time_or_null(int64_t ns) { return ns ? json(timeutil::format_rfc3339(ns)) : json(nullptr); }

json record(const Goal& g) {
  return {{"id", g.id},          {"title", g.title},       {"target", openpayments::to_json(g.target)},
          {"current", openpayments::to_json(g.current)}, {"startedNs", g.started_ns},
          {"endsNs", g.ends_ns}, {"endedNs", g.ended_ns},  {"reachedNs", g.reached_ns},
          {"lastSeq", g.last_seq}, {"reachedPending", g.reached_pending}};
}

std::optional<Goal> from_record(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto target = openpayments::parse_amount(j.value("target", json()));
  auto current = openpayments::parse_amount(j.value("current", json()));
  if (!target || !current) return std::nullopt;
  Goal g;
  g.id = j.value("id", "");
  g.title = j.value("title", "");
  g.target = *target;
  g.current = *current;
  g.started_ns = j.value("startedNs", int64_t{0});
  g.ends_ns = j.value("endsNs", int64_t{0});
  g.ended_ns = j.value("endedNs", int64_t{0});
  g.reached_ns = j.value("reachedNs", int64_t{0});
  g.last_seq = j.value("lastSeq", uint64_t{0});
  g.reached_pending = j.value("reachedPending", false);
  return g;
}

Result<GoalInput> parse_target(const json& body, GoalInput in) {
  auto it = body.find("target");
  if (it == body.end() || !it->is_object())
    return bad("target", "target must be an amount object {\"value\":\"5000\",\"assetCode\":\"USD\",\"assetScale\":2}");
  auto a = openpayments::parse_amount(*it);
  if (!a) return bad("target", "target is not a valid amount: " + a.error().message);
  if (a->units == 0) return bad("target", "target value must be above zero");
  in.target = *a;
  return in;
}

}  // namespace

Result<GoalInput> parse_goal_input(const json& body, int64_t now_ns) {
  if (!body.is_object()) return bad("", "the body must be a JSON object {title, target, endsAt?}");
  GoalInput in;
  auto t = body.find("title");
  if (t == body.end() || !t->is_string() || t->get<std::string>().empty())
    return bad("title", "title is required (a short text shown above the goal bar)");
  in.title = t->get<std::string>();
  if (in.title.size() > kTitleMax) return bad("title", "title must be at most 120 characters");
  auto target = parse_target(body, std::move(in));
  if (!target) return target;
  in = std::move(*target);
  if (auto e = body.find("endsAt"); e != body.end() && !e->is_null()) {
    auto p = e->is_string() ? timeutil::parse_rfc3339(e->get<std::string>()) : std::nullopt;
    if (!p || p->zero) return bad("endsAt", "endsAt must be an RFC 3339 time, e.g. 2026-12-31T20:00:00Z");
    if (p->unix_ns <= now_ns) return bad("endsAt", "endsAt must be in the future");
    in.ends_ns = p->unix_ns;
  }
  return in;
}

bool is_open(const Goal& g, int64_t now_ns) { return g.ended_ns == 0 && (g.ends_ns == 0 || now_ns < g.ends_ns); }

uint64_t percent_of(const Goal& g) {
  if (g.target.units == 0) return 0;
  __extension__ using u128 = unsigned __int128;
  return static_cast<uint64_t>(static_cast<u128>(g.current.units) * 100 / g.target.units);
}

json to_json(const Goal& g, int64_t now_ns) {
  json target = openpayments::to_json(g.target), current = openpayments::to_json(g.current);
  target["display"] = openpayments::format_amount(g.target);
  current["display"] = openpayments::format_amount(g.current);
  return {{"active", is_open(g, now_ns)},      {"id", g.id},
          {"title", g.title},                  {"target", target},
          {"current", current},                {"percent", percent_of(g)},
          {"reached", g.reached_ns != 0},      {"startedAt", time_or_null(g.started_ns)},
          {"endsAt", time_or_null(g.ends_ns)}, {"endedAt", time_or_null(g.ended_ns)},
          {"reachedAt", time_or_null(g.reached_ns)}};
}

struct Goals::Impl {
  store::Store& store;
  events::Bus& bus;
  std::function<int64_t()> clock;
  std::function<void(const Goal&)> on_change;
  mutable std::mutex mu;  // one writer of goal records at a time
  std::mutex publish_mu;  // one goal.reached settlement at a time
  std::function<bool(std::string_view)> crash_after;
  bool crashed(std::string_view step) const { return crash_after && crash_after(step); }

  Impl(store::Store& s, events::Bus& b, std::function<int64_t()> c, std::function<void(const Goal&)> f)
      : store(s), bus(b), clock(std::move(c)), on_change(std::move(f)) {}
  store::Table table() const { return store.table("goals"); }

  // The goal "active" points to (open or not). Caller holds mu or only reads.
  std::optional<Goal> current(const store::ReadTxn& txn) const {
    auto k = txn.get(table(), kActive);
    if (!k) return std::nullopt;
    auto v = txn.get(table(), *k);
    return v ? from_record(*v) : std::nullopt;
  }
  std::optional<Goal> current() const {
    auto txn = store.begin_read();
    return current(txn);
  }
  Status save(store::WriteTxn& txn, const Goal& g) { return txn.put(table(), key_of(g.started_ns), record(g).dump()); }
  void changed(const Goal& g) {
    if (on_change) on_change(g);
  }
  // Adds the tip to the goal; true when it counts. Fills `reached` when this tip reached it.
  static bool count(Goal& g, const events::Event& e, const events::Tip& t, int64_t now_ns) {
    if (e.seq <= g.last_seq || g.ended_ns != 0) return false;
    if (e.at_ns < g.started_ns || (g.ends_ns != 0 && e.at_ns > g.ends_ns)) return false;
    if (t.amount.asset_code != g.target.asset_code || t.amount.asset_scale != g.target.asset_scale) return false;
    auto sum = openpayments::add(g.current, t.amount);
    if (!sum) return false;  // overflow past 2^64-1 minor units: leave the total as it is
    g.current = *sum;
    g.last_seq = e.seq;
    if (g.reached_ns == 0 && g.current.units >= g.target.units) {
      g.reached_ns = now_ns;
      g.reached_pending = true;
    }
    return true;
  }

  // goal.reached of the goal that started at `started_ns`, if still pending: published (unless
  // check_journal finds it already there, a crash after the publish), then the mark cleared.
  void settle_reached(int64_t started_ns, bool check_journal) {
    std::lock_guard<std::mutex> one(publish_mu);
    auto g = load(started_ns);
    if (!g || !g->reached_pending) return;
    if (!check_journal || !in_journal(g->id)) {
      events::Goal body{g->id, g->title, g->target, g->current};
      if (auto p = bus.publish(events::Type::goal_reached, body); !p) {
        log::warn("goals: goal.reached not published (retried at the next start): " + p.error().message);
        return;
      }
      if (crashed("goal_reached_published")) return;
    }
    std::lock_guard<std::mutex> lock(mu);
    auto st = store.update([&](store::WriteTxn& txn) -> Status {
      auto v = txn.get(table(), key_of(started_ns));
      auto cur = v ? from_record(*v) : std::nullopt;
      if (!cur) return Ok{};
      cur->reached_pending = false;
      return save(txn, *cur);
    });
    if (!st) log::warn("goals: goal.reached mark not cleared: " + st.error().message);
  }
  std::optional<Goal> load(int64_t started_ns) const {
    auto txn = store.begin_read();
    auto v = txn.get(table(), key_of(started_ns));
    return v ? from_record(*v) : std::nullopt;
  }
  bool in_journal(const std::string& id) const {
    for (uint64_t after = 0;;) {
      auto batch = bus.journal(after, 256);
      for (const auto& e : batch) {
        after = e.seq;
        if (const auto* g = e.goal(); g && e.type == events::Type::goal_reached && g->goal_id == id) return true;
      }
      if (batch.size() < 256) return false;
    }
  }

  // The endsAt timer: wakes at the active goal's endsAt (or when goals change) and announces
  // the end once per goal.
  std::mutex tmu;
  std::condition_variable tcv;
  std::thread timer;
  bool timer_started = false, timer_stop = false;
  uint64_t generation = 0;
  std::string announced_end;
  void poke() {
    {
      std::lock_guard<std::mutex> l(tmu);
      ++generation;
    }
    tcv.notify_all();
  }
  void timer_loop() {
    std::unique_lock<std::mutex> lock(tmu);
    while (!timer_stop) {
      const uint64_t seen = generation;
      auto g = current();
      int64_t wait_ns = 60'000'000'000;  // re-read now and then (e.g. the clock jumped)
      if (g && g->ended_ns == 0 && g->ends_ns != 0 && g->id != announced_end) {
        const int64_t now = clock();
        if (now >= g->ends_ns) {
          announced_end = g->id;
          lock.unlock();
          changed(*g);
          lock.lock();
          continue;
        }
        wait_ns = std::min(wait_ns, g->ends_ns - now);
      }
      tcv.wait_for(lock, std::chrono::nanoseconds(wait_ns), [&] { return timer_stop || generation != seen; });
    }
  }
};

Goals::Goals(store::Store& store, events::Bus& bus, std::function<int64_t()> clock,
             std::function<void(const Goal&)> on_change, std::function<bool(std::string_view)> crash_after)
    : impl_(std::make_shared<Impl>(store, bus, clock ? std::move(clock) : std::function<int64_t()>(timeutil::now_ns),
                                   std::move(on_change))) {
  impl_->crash_after = std::move(crash_after);
}

Goals::~Goals() { stop(); }

Status Goals::start() {
  auto& d = *impl_;
  {
    std::lock_guard<std::mutex> l(d.tmu);
    if (d.timer_started) return Ok{};
    d.timer_started = true;
  }
  if (auto g = d.current(); g && g->reached_pending) d.settle_reached(g->started_ns, true);
  Impl* p = impl_.get();
  d.timer = std::thread([p] { p->timer_loop(); });
  return Ok{};
}

void Goals::stop() {
  auto& d = *impl_;
  {
    std::lock_guard<std::mutex> l(d.tmu);
    d.timer_stop = true;
  }
  d.tcv.notify_all();
  if (d.timer.joinable()) d.timer.join();
}

events::Subscription Goals::subscription() {
  events::Subscription s;
  s.name = "goals";
  s.delivery = events::Delivery::durable;
  s.types = {events::Type::tip_completed};
  std::weak_ptr<Impl> weak = impl_;
  Goals* self = this;
  s.handler = [weak, self](const events::Event& e) {
    if (weak.lock()) self->on_tip(e);
  };
  return s;
}

void Goals::on_tip(const events::Event& e) {
  const events::Tip* t = e.tip();
  if (e.type != events::Type::tip_completed || !t || t->amount.empty()) return;
  auto& d = *impl_;
  std::optional<Goal> updated;
  bool reached_now = false;
  {
    std::lock_guard<std::mutex> lock(d.mu);
    auto st = d.store.update([&](store::WriteTxn& txn) -> Status {
      auto g = d.current(txn);
      if (!g) return Ok{};
      const bool was_reached = g->reached_ns != 0;
      if (!Impl::count(*g, e, *t, d.clock())) return Ok{};
      reached_now = !was_reached && g->reached_ns != 0;
      updated = g;
      return d.save(txn, *g);
    });
    if (!st) {
      log::warn("goals: progress not saved: " + st.error().message);
      return;
    }
  }
  if (!updated) return;
  if (reached_now && d.crashed("goal_reached_committed")) return;
  if (reached_now) d.settle_reached(updated->started_ns, false);
  d.changed(*updated);
}

Result<Goal> Goals::create(const GoalInput& in) {
  auto& d = *impl_;
  Goal g;
  g.title = in.title;
  g.target = in.target;
  g.current = openpayments::Amount{0, in.target.asset_code, in.target.asset_scale};
  g.ends_ns = in.ends_ns;
  std::optional<Goal> previous;
  {
    std::lock_guard<std::mutex> lock(d.mu);
    const int64_t now = d.clock();
    auto st = d.store.update([&](store::WriteTxn& txn) -> Status {
      if (auto old = d.current(txn); old && old->ended_ns == 0) {
        old->ended_ns = now;
        previous = old;
        if (auto s = d.save(txn, *old); !s) return s;
      }
      g.started_ns = now;
      if (previous && previous->started_ns >= now) g.started_ns = previous->started_ns + 1;  // keys stay unique
      g.id = key_of(g.started_ns).substr(2);
      // Tips already delivered to this subscriber belong to earlier goals.
      g.last_seq = d.bus.last_seq();
      if (auto s = d.save(txn, g); !s) return s;
      return txn.put(d.table(), kActive, key_of(g.started_ns));
    });
    if (!st) return st.error();
  }
  if (previous) d.changed(*previous);
  d.changed(g);
  d.poke();
  return g;
}

Result<Goal> Goals::end() {
  auto& d = *impl_;
  std::optional<Goal> ended;
  {
    std::lock_guard<std::mutex> lock(d.mu);
    const int64_t now = d.clock();
    auto st = d.store.update([&](store::WriteTxn& txn) -> Status {
      auto g = d.current(txn);
      if (!g || !is_open(*g, now)) return Ok{};
      g->ended_ns = now;
      ended = g;
      return d.save(txn, *g);
    });
    if (!st) return st.error();
  }
  if (!ended) return Error{"no_active_goal", "there is no active goal to end"};
  d.changed(*ended);
  d.poke();
  return *ended;
}

std::optional<Goal> Goals::active() const {
  auto g = impl_->current();
  if (!g || !is_open(*g, impl_->clock())) return std::nullopt;
  return g;
}

std::vector<Goal> Goals::history(size_t limit) const {
  std::vector<Goal> out;
  auto txn = impl_->store.begin_read();
  txn.scan_prefix(impl_->table(), "g/", true, [&](std::string_view, std::string_view v) {
    if (auto g = from_record(v)) out.push_back(std::move(*g));
    return out.size() < limit;
  });
  return out;
}

}  // namespace wm::alerts
