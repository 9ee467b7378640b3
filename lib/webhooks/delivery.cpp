// The delivery workers: pick a due outbox row, send it, log the attempt, schedule or settle.
#include <algorithm>
#include <chrono>

#include "core/json_limits.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "webhooks/impl.h"
#include "webhooks/signing.h"

namespace wm::webhooks {

using json = nlohmann::json;

namespace {

constexpr int64_t kPruneEveryNs = 3600LL * 1000000000;
constexpr int64_t kMaxIdleWaitNs = 1000LL * 1000000;  // re-check at least every second

bool is_success(const SendResult& r) { return r.error.empty() && r.status >= 200 && r.status < 300; }

}  // namespace

// Endpoints take turns (round robin after the last one served), so an endpoint with a backlog
// of due retries cannot keep every free worker while another endpoint waits.
std::optional<std::string> Webhooks::Impl::pick(int64_t at, int64_t& next_due) {
  next_due = INT64_MAX;
  if (endpoints.empty()) return std::nullopt;
  auto start = endpoints.upper_bound(last_served);
  for (size_t n = 0; n < endpoints.size(); ++n, ++start) {
    if (start == endpoints.end()) start = endpoints.begin();
    const auto& [id, ep] = *start;
    if (!ep.enabled || ep_inflight[id] >= opts.per_endpoint) continue;
    const std::string prefix = id + "/";
    for (auto it = outbox.lower_bound(prefix); it != outbox.end() && it->first.compare(0, prefix.size(), prefix) == 0;
         ++it) {
      if (inflight.count(it->first)) continue;
      if (it->second.next_ns > at) {
        next_due = std::min(next_due, it->second.next_ns);
        continue;
      }
      last_served = id;
      return it->first;
    }
  }
  return std::nullopt;
}

void Webhooks::Impl::worker() {
  std::unique_lock<std::mutex> l(mu);
  while (!quit) {
    const int64_t at = now();
    if (at - last_prune >= kPruneEveryNs) {
      last_prune = at;
      l.unlock();
      prune(at);
      l.lock();
      continue;
    }
    int64_t due = 0;
    auto key = pick(at, due);
    if (!key) {
      const int64_t wait = std::clamp<int64_t>(due == INT64_MAX ? kMaxIdleWaitNs : due - at, 1000000, kMaxIdleWaitNs);
      cv.wait_for(l, std::chrono::nanoseconds(wait));
      continue;
    }
    const Pending p = outbox[*key];
    const Endpoint ep = endpoints[p.endpoint];
    inflight.insert(*key);
    ++ep_inflight[p.endpoint];
    l.unlock();
    attempt(p, ep);
    l.lock();
    inflight.erase(*key);
    --ep_inflight[p.endpoint];
    cv.notify_all();
  }
}

SendResult Webhooks::Impl::send(const Pending& p, const Endpoint& ep, std::string& type) {
  SendResult r;
  std::optional<events::Event> event;
  (void)store.view([&](const store::ReadTxn& txn) -> Status {
    if (auto v = txn.get(hooks, message_key(ep.id, p.msg)))
      if (auto j = json_limits::parse(*v); j && j->contains("event"))
        if (auto e = events::from_json((*j)["event"])) event = *e;
    return ok_status();
  });
  if (!event) return r.error = "the message is no longer kept", r;
  type = std::string(events::name(event->type));
  Headers headers;
  std::string body;
  if (ep.kind == Kind::discord) {
    body = discord_body(*event, opts.render).dump();
  } else {
    body = payload(*event, p.msg, opts.render).dump();
    auto sec = load_secrets(ep.id);
    if (!sec) return r.error = "the endpoint has no signing secret", r;
    const int64_t ts = now() / 1000000000;
    auto sig = signature_header(sec->active(now()), p.msg, ts, body);
    if (!sig) return r.error = "the signing secret is invalid", r;
    headers = {{"webhook-id", p.msg}, {"webhook-timestamp", std::to_string(ts)}, {"webhook-signature", *sig}};
  }
  return opts.sender->send(ep.url, headers, body, opts.timeout_ms);
}

void Webhooks::Impl::attempt(const Pending& p, const Endpoint& ep) {
  std::string type;
  SendResult r;
  try {
    r = send(p, ep, type);
  } catch (const std::exception& e) {
    r = SendResult{};
    r.error = std::string("sender failed: ") + e.what();
  }
  if (r.body_prefix.size() > kAnswerPrefix) r.body_prefix.resize(kAnswerPrefix);
  settle(p, type, r, now());
}

void Webhooks::Impl::settle(const Pending& p, const std::string& type, const SendResult& r, int64_t at) {
  std::lock_guard<std::mutex> l(mu);
  auto it = endpoints.find(p.endpoint);
  if (it == endpoints.end()) {  // deleted while sending
    outbox.erase(p.key());
    (void)store.update([&](store::WriteTxn& w) { return w.del(outbox_t, p.key()), ok_status(); });
    return;
  }
  Endpoint ep = it->second;
  Pending next = outbox.count(p.key()) ? outbox[p.key()] : p;
  const bool redelivered_meanwhile = next.attempts == 0 && next.first_ns != p.first_ns;
  next.attempts = p.attempts + 1;
  const bool ok = is_success(r), gone = r.status == 410;
  bool drop = ok || gone;
  bool gave_up = false;
  if (ok) {
    ep.failing_since_ns = 0;
  } else {
    if (ep.failing_since_ns == 0) ep.failing_since_ns = at;
    if (gone) {
      ep.enabled = false;
      ep.warning = "Disabled: the receiver answered 410 Gone. Fix the URL and enable it again.";
    } else if (at - ep.failing_since_ns >= opts.disable_after_ns && ep.enabled) {
      ep.enabled = false;
      ep.warning = "Disabled: every delivery failed for 24 hours. Check the receiver and enable it again.";
    }
    if (!gone && at - p.first_ns >= opts.give_up_ns) drop = gave_up = true;
    const size_t i = std::min<size_t>(static_cast<size_t>(p.attempts), opts.schedule_ns.size() - 1);
    next.next_ns = at + opts.jitter(opts.schedule_ns[i]);
  }
  if (redelivered_meanwhile) drop = false, next = outbox[p.key()];
  std::string error = r.error;
  if (gave_up) error += (error.empty() ? "" : "; ") + std::string("gave up after 24 hours");
  json entry = {{"deliveryId", p.msg},   {"type", type},         {"attempt", p.attempts + 1},
                {"at", timeutil::format_rfc3339(at)}, {"status", r.status}, {"latencyMs", r.latency_ms},
                {"response", r.body_prefix}, {"error", error}, {"ok", ok}};
  if (!ok && !drop) entry["nextAttemptAt"] = timeutil::format_rfc3339(next.next_ns);
  const bool ep_changed = ep.failing_since_ns != it->second.failing_since_ns || ep.enabled != it->second.enabled;
  const std::string log_key = p.endpoint + "/" + store::key::time_seq(static_cast<uint64_t>(at), ++log_seq);
  auto s = store.update([&](store::WriteTxn& w) -> Status {
    if (auto e = w.put(log_t, log_key, entry.dump(-1, ' ', false, json::error_handler_t::replace)); !e) return e;
    if (drop) w.del(outbox_t, p.key());
    else if (auto e = w.put(outbox_t, p.key(), to_record(next).dump()); !e) return e;
    if (ep_changed) return w.put(hooks, "e/" + ep.id, to_record(ep).dump());
    return ok_status();
  });
  if (!s) log::warn("webhook attempt not recorded", {{"endpoint", ep.id}, {"error", s.error().message}});
  if (!ep.enabled && it->second.enabled)
    log::warn("webhook endpoint disabled", {{"endpoint", ep.id}, {"reason", ep.warning}});
  it->second = ep;
  if (drop) outbox.erase(p.key());
  else outbox[p.key()] = next;
}

void Webhooks::Impl::prune(int64_t at) {
  const int64_t cutoff = at - opts.keep_ns;
  if (cutoff <= 0) return;
  std::set<std::string> pending_keys;
  {
    std::lock_guard<std::mutex> l(mu);
    for (const auto& [k, p] : outbox) pending_keys.insert(k);
  }
  auto s = store.update([&](store::WriteTxn& w) -> Status {
    std::vector<std::string> old_log, old_msgs;
    w.scan(log_t, "", "", false, [&](std::string_view k, std::string_view) {
      auto slash = k.find('/');
      if (slash != std::string_view::npos && static_cast<int64_t>(store::key::read_u64(k, slash + 1)) < cutoff)
        old_log.emplace_back(k);
      return true;
    });
    w.scan_prefix(hooks, "m/", false, [&](std::string_view k, std::string_view v) {
      auto j = json_limits::parse(v);
      const std::string rest(k.substr(2));
      if (j && j->value("created", int64_t{0}) < cutoff && !pending_keys.count(rest)) old_msgs.emplace_back(k);
      return true;
    });
    for (const auto& k : old_log) w.del(log_t, k);
    for (const auto& k : old_msgs) w.del(hooks, k);
    return ok_status();
  });
  if (!s) log::warn("webhook log not pruned", {{"error", s.error().message}});
}

}  // namespace wm::webhooks
