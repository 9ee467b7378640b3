#include "moderation/moderator.h"

#include <algorithm>
#include <atomic>

#include "core/log.h"
#include "core/timeutil.h"

namespace wm::moderation {

namespace {

using json = nlohmann::json;

constexpr std::string_view kTipPrefix = "tip/";  // table "moderation": tip/<id> -> decision state
constexpr std::string_view kDecided = "already_decided";  // a transaction's refusal: nothing written

std::string_view name_of(Decision d) {
  switch (d) {
    case Decision::cleared: return "cleared";
    case Decision::below_minimum: return "below_minimum";
    case Decision::held: return "held";
  }
  return "cleared";
}

std::string log_key(int64_t at_ns) {
  static std::atomic<uint64_t> seq{0};
  return store::key::time_seq(static_cast<uint64_t>(std::max<int64_t>(at_ns, 0)), seq.fetch_add(1));
}

Status append_log(store::Store& store, store::WriteTxn& txn, const LogEntry& e) {
  return txn.put(store.table(kLogTable), log_key(e.at_ns), to_json(e).dump());
}

LogEntry log_from(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  LogEntry e;
  if (!j.is_object()) return e;
  e.tip_id = j.value("tipId", "");
  e.decision = j.value("decision", "");
  e.reason = j.value("reason", "");
  e.by = j.value("by", "");
  e.at_ns = j.value("atNs", int64_t{0});
  return e;
}

std::optional<events::Event> queued_event(std::string_view text) {
  auto e = events::from_json(json::parse(text, nullptr, false));
  if (!e || !e->tip()) return std::nullopt;
  return std::move(*e);
}

}  // namespace

Decision decide(const events::Tip& tip, bool below_minimum, bool hold) {
  if (below_minimum) return Decision::below_minimum;
  if (hold && tip.amount.units > 0) return Decision::held;
  return Decision::cleared;
}

json to_json(const LogEntry& e) {
  return {{"tipId", e.tip_id}, {"decision", e.decision}, {"reason", e.reason}, {"by", e.by},
          {"at", timeutil::format_rfc3339(e.at_ns)}, {"atNs", e.at_ns}};
}

Moderator::Moderator(store::Store& store, events::Bus& bus, ModeratorOptions opts)
    : store_(store), bus_(bus), opts_(std::move(opts)) {
  if (!opts_.clock) opts_.clock = [] { return timeutil::now_ns(); };
}

events::Subscription Moderator::subscription() {
  events::Subscription s;
  s.name = std::string(kSubscriber);
  s.delivery = events::Delivery::durable;
  s.types = {events::Type::tip_completed};
  s.handler = [this](const events::Event& e) { handle(e); };
  return s;
}

void Moderator::handle(const events::Event& e) {
  const events::Tip* t = e.tip();
  if (e.type != events::Type::tip_completed || !t || t->tip_id.empty()) return;
  const Settings s = settings();
  const Decision d = decide(*t, opts_.below_minimum && opts_.below_minimum(*t), s.hold);
  events::Tip shown = *t;
  shown.message = filtered(s, t->message);
  const std::string reason = d == Decision::held            ? "hold_for_approval"
                             : d == Decision::below_minimum ? "below_minimum"
                             : shown.message != t->message  ? "filtered"
                                                            : "passed";
  const LogEntry entry{t->tip_id, std::string(name_of(d)), reason, "auto", opts_.clock()};
  const std::string key = std::string(kTipPrefix) + t->tip_id;
  auto record = [&](store::WriteTxn& txn) -> Status {
    if (txn.get(store_.table(kTable), key)) return Error{std::string(kDecided), "decided before"};  // a replay
    if (auto p = txn.put(store_.table(kTable), key, name_of(d)); !p) return p;
    if (d == Decision::held) {
      if (auto p = txn.put(store_.table(kQueueTable), t->tip_id, events::to_json(e).dump()); !p) return p;
    }
    return append_log(store_, txn, entry);
  };
  // Cleared: the decision and tip_cleared commit together, so the tip's alert is exactly once.
  Status st = d == Decision::cleared ? publish_cleared(std::move(shown), e.at_ns, record)  // "at": the completion
                                     : store_.update(record);
  if (!st && st.error().code == kDecided) return;
  if (!st) {
    log::error("moderation: decision not recorded", {{"tip", t->tip_id}, {"error", st.error().message}});
    throw std::runtime_error("moderation decision not recorded");  // the bus logs and counts it
  }
  log::info("moderation decision", {{"tip", t->tip_id}, {"decision", entry.decision}, {"reason", reason}});
  if (opts_.after_step) opts_.after_step("moderation_decided", t->tip_id);
}

Status Moderator::publish_cleared(events::Tip tip, int64_t at_ns, const std::function<Status(store::WriteTxn&)>& record) {
  auto p = bus_.publish_with(events::Type::tip_cleared, std::move(tip), at_ns, record);
  if (!p) return p.error();
  return ok_status();
}

Settings Moderator::settings() const { return load_settings(store_); }

Status Moderator::set_settings(const Settings& s) { return save_settings(store_, s); }

std::vector<Pending> Moderator::pending(size_t limit) const {
  const Settings s = settings();
  std::vector<Pending> out;
  auto st = store_.view([&](const store::ReadTxn& txn) -> Status {
    txn.scan(store_.table(kQueueTable), "", "", false, [&](std::string_view, std::string_view v) {
      if (auto e = queued_event(v)) out.push_back({*e->tip(), e->at_ns});
      return true;
    });
    return Ok{};
  });
  if (!st) log::warn("moderation queue not readable", {{"error", st.error().message}});
  std::stable_sort(out.begin(), out.end(), [](const Pending& a, const Pending& b) { return a.received_ns < b.received_ns; });
  if (out.size() > limit) out.resize(limit);
  for (auto& p : out) p.tip.message = filtered(s, p.tip.message);
  return out;
}

Result<events::Tip, QueueFailure> Moderator::approve(const std::string& tip_id, const std::string& by) {
  return finish(tip_id, by, true);
}

Result<events::Tip, QueueFailure> Moderator::reject(const std::string& tip_id, const std::string& by) {
  return finish(tip_id, by, false);
}

events::Tip Moderator::queued_tip(const std::string& tip_id) const {
  std::optional<events::Event> queued;
  (void)store_.view([&](const store::ReadTxn& txn) -> Status {
    if (auto item = txn.get(store_.table(kQueueTable), tip_id)) queued = queued_event(*item);
    return Ok{};
  });
  events::Tip tip = queued ? *queued->tip() : events::Tip{};
  tip.tip_id = tip_id;
  tip.message = filtered(settings(), tip.message);
  return tip;
}

Result<events::Tip, QueueFailure> Moderator::finish(const std::string& tip_id, const std::string& by, bool approved) {
  const std::string key = std::string(kTipPrefix) + tip_id;
  const LogEntry entry{tip_id, approved ? "approved" : "rejected", "moderator", by, opts_.clock()};
  std::optional<QueueFailure> refused;
  auto record = [&](store::WriteTxn& txn) -> Status {
    refused.reset();
    auto state = txn.get(store_.table(kTable), key);
    auto item = txn.get(store_.table(kQueueTable), tip_id);
    if (!state || (*state == "held" && !item))
      refused = QueueFailure{QueueError::not_found, "no tip with this id is waiting for approval"};
    else if (*state != "held")
      refused = QueueFailure{QueueError::already_decided, "this tip was already decided (" + std::string(*state) + ")"};
    if (refused) return Error{std::string(kDecided), refused->message};  // nothing written, nothing published
    if (auto p = txn.put(store_.table(kTable), key, entry.decision); !p) return p;
    txn.del(store_.table(kQueueTable), tip_id);
    return append_log(store_, txn, entry);
  };
  // Queued items never change, so the tip read here is the one the transaction takes off the queue.
  events::Tip tip = queued_tip(tip_id);
  // Approved: the decision and tip_cleared commit together (the alert is exactly once).
  Status st = approved ? publish_cleared(tip, 0, record) : store_.update(record);
  if (refused) return *refused;
  if (!st) return QueueFailure{QueueError::store_error, "the decision was not saved: " + st.error().message};
  log::info("moderation decision", {{"tip", tip_id}, {"decision", entry.decision}, {"by", by}});
  return tip;
}

std::vector<LogEntry> Moderator::log(size_t limit) const {
  std::vector<LogEntry> out;
  auto st = store_.view([&](const store::ReadTxn& txn) -> Status {
    txn.scan(store_.table(kLogTable), "", "", true, [&](std::string_view, std::string_view v) {
      out.push_back(log_from(v));
      return out.size() < limit;
    });
    return Ok{};
  });
  if (!st) log::warn("moderation log not readable", {{"error", st.error().message}});
  return out;
}

}  // namespace wm::moderation
