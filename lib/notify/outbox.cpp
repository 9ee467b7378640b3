#include "notify/outbox.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_limits.h"
#include "core/log.h"
#include "core/timeutil.h"

namespace wm::notify {

using json = nlohmann::json;

Status scan_outbox(const store::Store& store, const std::function<bool(std::string_view, std::string_view)>& fn) {
  store::Table t = store.table(kOutboxTable);
  return store.view([&](const store::ReadTxn& txn) {
    txn.scan_prefix(t, kOutboxPrefix, false, fn);
    return ok_status();
  });
}

Outbox::Outbox(store::Store& store, Sender send, OutboxOptions opts)
    : store_(store),
      table_(store.table(kOutboxTable)),
      send_(std::move(send)),
      opts_(opts),
      sent_(&own_sent_),
      failed_(&own_failed_),
      redacted_(&own_redacted_),
      pending_(std::make_shared<std::atomic<uint64_t>>(0)) {
  uint64_t n = 0;
  std::string last;
  (void)store_.view([&](const store::ReadTxn& txn) {
    txn.scan_prefix(table_, kOutboxPrefix, false, [&](std::string_view k, std::string_view) {
      ++n;
      last = std::string(k);
      return true;
    });
    return ok_status();
  });
  pending_->store(n);
  if (!last.empty()) last_ns_ = store::key::read_u64(last, kOutboxPrefix.size());
  if (opts_.metrics) {
    sent_ = opts_.metrics->counter("announcements_sent_total", "Chat announcements delivered to Owncast");
    failed_ = opts_.metrics->counter("announcements_failed_total",
                                     "Chat announcements dropped after a permanent failure or expiry");
    redacted_ = opts_.metrics->counter("announcements_redacted_total",
                                       "Chat announcements sent without the tip's message, hidden after they were queued");
    auto pending = pending_;
    opts_.metrics->gauge("announcements_pending", "Chat announcements waiting in the outbox",
                         [pending] { return static_cast<double>(pending->load()); });
  }
}

Outbox::~Outbox() { stop(); }

void Outbox::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void Outbox::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status Outbox::enqueue(const std::string& body) { return enqueue(body, nullptr); }

Status Outbox::enqueue(const std::string& body, const std::function<Status(store::WriteTxn&)>& also) {
  return enqueue(body, also, ForTip{});
}

Status Outbox::enqueue(const std::string& body, const std::function<Status(store::WriteTxn&)>& also, const ForTip& tip) {
  std::string key;
  auto now = static_cast<uint64_t>(timeutil::now_ns());
  {
    std::lock_guard<std::mutex> lock(key_mu_);
    last_ns_ = std::max(now, last_ns_ + 1);  // strictly increasing, even if the clock steps back
    key = std::string(kOutboxPrefix) + store::key::time_seq(last_ns_, ++seq_);
  }
  json v{{"body", body}, {"enqueuedAt", now}};
  if (!tip.tip_id.empty()) {
    v["tipId"] = tip.tip_id;
    v["bodyHidden"] = tip.body_hidden;
  }
  std::string value = v.dump(-1, ' ', false, json::error_handler_t::replace);
  auto st = store_.update([&](store::WriteTxn& txn) -> Status {
    if (also)
      if (auto s = also(txn); !s) return s;
    return txn.put(table_, key, value);
  });
  if (!st) {
    if (!also) log::error("announcement not queued", {{"error", st.error().message}});
    return st;
  }
  pending_->fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
  return st;
}

bool Outbox::read_head(Item& out) const {
  bool found = false;
  (void)store_.view([&](const store::ReadTxn& txn) {
    txn.scan_prefix(table_, kOutboxPrefix, false, [&](std::string_view k, std::string_view v) {
      out.key = std::string(k);
      auto j = json_limits::parse_or_discarded(v);
      if (j.is_object() && j.contains("body") && j["body"].is_string()) {
        out.body = j["body"].get<std::string>();
        out.enqueued_ns = j.value("enqueuedAt", int64_t{0});
        const auto t = j.find("tipId");
        const auto alt = j.find("bodyHidden");
        const bool for_tip = t != j.end() && t->is_string() && alt != j.end() && alt->is_string();
        out.tip_id = for_tip ? t->get<std::string>() : std::string();  // rows without: sent as they are
        out.body_hidden = for_tip ? alt->get<std::string>() : std::string();
      } else {
        out.body.clear();  // unreadable entry: dropped by run()
        out.enqueued_ns = -1;
      }
      found = true;
      return false;
    });
    return ok_status();
  });
  return found;
}

void Outbox::remove(const std::string& key) {
  bool existed = false;
  auto st = store_.update([&](store::WriteTxn& txn) {
    existed = txn.del(table_, key);
    return ok_status();
  });
  if (!st) {
    log::error("cannot remove announcement from the outbox", {{"error", st.error().message}});
    return;
  }
  if (existed && pending_->load() > 0) pending_->fetch_sub(1);
}

void Outbox::run() {
  using clock = std::chrono::steady_clock;
  std::string head_key;
  int attempts = 0;
  clock::time_point next_try = clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_ = false;
    lock.unlock();
    Item item;
    bool have = read_head(item);
    lock.lock();
    if (stop_) break;
    if (!have) {
      cv_.wait(lock, [&] { return stop_ || wake_; });
      continue;
    }
    if (item.key != head_key) {
      head_key = item.key;
      attempts = 0;
      next_try = clock::now();
    }
    if (clock::now() < next_try) {
      cv_.wait_until(lock, next_try, [&] { return stop_; });
      continue;
    }
    lock.unlock();

    if (item.enqueued_ns < 0) {
      log::error("dropping an unreadable announcement from the outbox");
      remove(item.key);
      failed_->inc();
      lock.lock();
      continue;
    }
    // Asked at every attempt: the streamer may hide the message while Owncast is down.
    const bool redact = !item.tip_id.empty() && opts_.hidden && opts_.hidden(item.tip_id);
    DeliveryOutcome out = send_(redact ? item.body_hidden : item.body);
    if (out.kind == Delivery::sent) {
      remove(item.key);  // before counting, so pending() is settled once sent() moves
      if (redact) redacted_->inc();
      sent_->inc();
    } else {
      ++attempts;
      int64_t age_ns = timeutil::now_ns() - item.enqueued_ns;
      bool expired = opts_.max_age.count() > 0 &&
                     age_ns > std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.max_age).count();
      if (out.kind == Delivery::permanent || expired) {
        log::error("chat announcement dropped",
                   {{"reason", out.reason},
                    {"attempts", std::to_string(attempts)},
                    {"cause", out.kind == Delivery::permanent ? "permanent" : "expired"}});
        remove(item.key);
        failed_->inc();
      } else {
        auto delay = opts_.initial_backoff;
        for (int i = 1; i < attempts && delay < opts_.max_backoff; ++i) delay *= 2;
        delay = std::min(delay, opts_.max_backoff);
        log::warn("chat announcement failed; will retry",
                  {{"reason", out.reason},
                   {"attempts", std::to_string(attempts)},
                   {"retryInMs", std::to_string(delay.count())}});
        next_try = clock::now() + delay;
      }
    }
    lock.lock();
  }
}

Status announce_tip(Outbox& outbox, std::string_view tmpl, const Vars& vars, const TemplateOptions& opts) {
  auto text = render_template(tmpl, vars, opts);
  if (!text) return text.error();
  return outbox.enqueue(*text);
}

}  // namespace wm::notify
