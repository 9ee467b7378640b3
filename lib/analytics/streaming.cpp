#include "analytics/streaming.h"

#include <algorithm>
#include <limits>

#include "analytics/events.h"
#include "core/log.h"

namespace wm::analytics {

namespace {

constexpr std::string_view kEvent = "w/";
constexpr std::string_view kLast = "wl/";
constexpr std::string_view kSession = "wx/";

std::string session_prefix(std::string_view session) {
  std::string k(kSession);
  k.append(session);
  k.push_back('\0');
  return k;
}

std::string event_key(int64_t ns) { return std::string(kEvent) + store::key::u64(static_cast<uint64_t>(ns)); }

uint64_t parse_units(std::string_view v) {
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

}  // namespace

Status record_streaming(store::Store& store, const SupportEvent& total) {
  if (total.tip_id.empty() || total.tip_id.size() > 200 || total.at_ns < 0)
    return Error{"invalid_event", "support id must be 1-200 bytes and the time after 1970"};
  if (total.sender_hash.size() != 64) return Error{"invalid_event", "sender hash must be 64 hex digits"};
  auto table = store.table("support");
  const std::string last_key = std::string(kLast) + total.tip_id;
  return store.update([&](store::WriteTxn& txn) -> Status {
    uint64_t last = 0;
    if (auto v = txn.get(table, last_key)) last = parse_units(*v);
    if (total.amount.units <= last) return ok_status();  // nothing new confirmed (or a replay)
    SupportEvent inc = total;
    inc.amount.units = total.amount.units - last;
    const std::string prefix = event_key(total.at_ns);
    uint64_t seq = 0;
    txn.scan_prefix(table, prefix, true, [&](std::string_view k, std::string_view) {
      seq = store::key::read_u64(k, prefix.size()) + 1;
      return false;
    });
    const std::string ts = store::key::time_seq(static_cast<uint64_t>(total.at_ns), seq);
    const std::string key = std::string(kEvent) + ts;
    if (auto s = txn.put(table, key, detail::event_to_json(inc).dump()); !s) return s;
    if (auto s = txn.put(table, last_key, std::to_string(total.amount.units)); !s) return s;
    if (!inc.stream_session.empty())
      if (auto s = txn.put(table, session_prefix(inc.stream_session) + ts, key); !s) return s;
    return ok_status();
  });
}

events::Subscription streaming_subscription(store::Store& store) {
  events::Subscription s;
  s.name = std::string(kStreamingSubscriber);
  s.delivery = events::Delivery::durable;
  s.types = {events::Type::support_payment, events::Type::support_stopped};
  s.handler = [&store](const events::Event& e) {
    const events::Support* sp = e.support();
    if (!sp || sp->paid.empty() || sp->sender_hash.empty()) return;
    SupportEvent total;
    total.tip_id = sp->support_id;
    total.stream_id = "default";
    total.stream_session = sp->stream_id;
    total.amount = sp->paid;
    total.sender_hash = sp->sender_hash;
    total.display_name = sp->anonymous ? std::string() : sp->display_name;
    total.anonymous = sp->anonymous;
    total.at_ns = e.at_ns;
    if (auto st = record_streaming(store, total); !st)
      log::warn("streaming support not recorded", {{"support", sp->support_id}, {"error", st.error().message}});
  };
  return s;
}

namespace detail {

void scan_streaming(const store::ReadTxn& txn, store::Table t, int64_t from_ns, int64_t to_ns, const StreamingFn& fn) {
  from_ns = std::max<int64_t>(from_ns, 0);
  if (to_ns < from_ns) return;
  const std::string to = to_ns == std::numeric_limits<int64_t>::max() ? std::string("w0") : event_key(to_ns + 1);
  txn.scan(t, event_key(from_ns), to, false, [&](std::string_view, std::string_view v) {
    if (auto ev = event_from_json(v)) fn(*ev);
    return true;
  });
}

void scan_streaming_session(const store::ReadTxn& txn, store::Table t, std::string_view session, const StreamingFn& fn) {
  txn.scan_prefix(t, session_prefix(session), false, [&](std::string_view, std::string_view k) {
    if (auto raw = txn.get(t, k))
      if (auto ev = event_from_json(*raw)) fn(*ev);
    return true;
  });
}

}  // namespace detail

}  // namespace wm::analytics
