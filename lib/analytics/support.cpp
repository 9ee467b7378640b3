#include "analytics/support.h"

#include <algorithm>

#include "analytics/events.h"
#include "core/crypto.h"
#include "core/json_limits.h"

namespace wm::analytics {

namespace {

using detail::kEventPrefix;
using detail::kHiddenPrefix;
using detail::kSaltKey;
using detail::kTipPrefix;

constexpr size_t kMaxIdBytes = 200;  // LMDB keys are at most 511 bytes
constexpr size_t kSaltBytes = 32;

Error invalid_event(std::string message) { return Error{"invalid_event", std::move(message)}; }

bool is_sender_hash(std::string_view h) {
  return h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdBytes && id.find('\0') == std::string_view::npos;
}

Status validate(const SupportEvent& ev) {
  if (!valid_id(ev.tip_id)) return invalid_event("tip id must be 1-200 bytes without NUL");
  if (ev.stream_session.size() > kMaxIdBytes || ev.stream_session.find('\0') != std::string::npos)
    return invalid_event("stream session must be at most 200 bytes without NUL");
  if (!is_sender_hash(ev.sender_hash))
    return invalid_event("sender hash must be 64 lowercase hex digits (see hash_sender)");
  if (auto a = openpayments::parse_amount(openpayments::to_json(ev.amount)); !a)
    return invalid_event("invalid amount: " + a.error().message);
  if (ev.at_ns < 0) return invalid_event("event time must not be before 1970");
  return ok_status();
}

std::string tip_key(std::string_view tip_id) { return std::string(kTipPrefix) + std::string(tip_id); }

}  // namespace

Result<std::string> hash_sender(store::Store& store, std::string_view wallet_address) {
  if (wallet_address.empty()) return Error{"invalid_wallet_address", "wallet address is empty"};
  auto table = store.table("support");
  std::string salt;
  auto st = store.view([&](const store::ReadTxn& txn) -> Status {
    if (auto v = txn.get(table, kSaltKey)) salt.assign(*v);
    return ok_status();
  });
  if (!st) return st.error();
  if (salt.size() != kSaltBytes) {
    // First use: create the salt, unless another thread got there first (writes are serialised).
    st = store.update([&](store::WriteTxn& txn) -> Status {
      if (auto v = txn.get(table, kSaltKey); v && v->size() == kSaltBytes) {
        salt.assign(*v);
        return ok_status();
      }
      salt = crypto::random_bytes(kSaltBytes);
      return txn.put(table, kSaltKey, salt);
    });
    if (!st) return st.error();
  }
  return crypto::hex(crypto::hmac_sha256(salt, wallet_address));
}

Status record_support(store::Store& store, const SupportEvent& ev) {
  if (auto st = validate(ev); !st) return st;
  auto table = store.table("support");
  const std::string value = detail::event_to_json(ev).dump();
  const std::string index_key = tip_key(ev.tip_id);
  const auto at = static_cast<uint64_t>(ev.at_ns);
  return store.update([&](store::WriteTxn& txn) -> Status {
    if (txn.get(table, index_key)) return ok_status();  // already recorded: nothing changes
    // Next free sequence number at this exact nanosecond.
    const std::string time_prefix = std::string(kEventPrefix) + store::key::u64(at);
    uint64_t seq = 0;
    txn.scan_prefix(table, time_prefix, true, [&](std::string_view k, std::string_view) {
      seq = store::key::read_u64(k, time_prefix.size()) + 1;
      return false;
    });
    const std::string time_seq = store::key::time_seq(at, seq);
    const std::string event_key = std::string(kEventPrefix) + time_seq;
    if (auto st = txn.put(table, event_key, value); !st) return st;
    if (auto st = txn.put(table, index_key, event_key); !st) return st;
    if (!ev.stream_session.empty()) {
      if (auto st = txn.put(table, detail::session_key_prefix(ev.stream_session) + time_seq, event_key); !st)
        return st;
    }
    return ok_status();
  });
}

Result<SupportEvent> event_from_tip(store::Store& store, const tips::TipRecord& tip,
                                    std::string_view stream_session) {
  if (tip.status != "completed")
    return Error{"not_completed", "tip " + tip.id + " is " + std::string(tips::to_string(tip.status)) + ", not completed"};
  auto hash = hash_sender(store, tip.sender_wallet);
  if (!hash) return hash.error();
  SupportEvent ev;
  ev.tip_id = tip.id;
  ev.stream_id = tip.stream_id.empty() ? "default" : tip.stream_id;
  ev.stream_session = std::string(stream_session);
  ev.amount = tip.amount;
  ev.sender_hash = std::move(*hash);
  ev.display_name = tip.display_name;
  ev.anonymous = tip.anonymous;
  ev.message = tip.message;
  ev.at_ns = tip.updated_ns > 0 ? tip.updated_ns : tip.created_ns;
  return ev;
}

Result<size_t> record_completed_tips(store::Store& store) {
  auto support = store.table("support");
  std::vector<tips::TipRecord> missing;
  auto st = store.view([&](const store::ReadTxn& txn) -> Status {
    tips::TipStore::scan(txn, store, [&](const tips::TipRecord& r) {
      // notify_pending: the tip service publishes it at start; the support subscriber records it.
      if (r.status == tips::TipStatus::completed && !r.notify_pending && !txn.get(support, tip_key(r.id)))
        missing.push_back(r);
      return true;
    });
    return ok_status();
  });
  if (!st) return st.error();
  size_t added = 0;
  for (const auto& tip : missing) {
    auto ev = event_from_tip(store, tip, "");
    if (!ev) return ev.error();
    if (auto rs = record_support(store, *ev); !rs) return rs.error();
    ++added;
  }
  return added;
}

Status set_hidden(store::Store& store, std::string_view tip_id, bool hidden) {
  if (!valid_id(tip_id)) return Error{"invalid_tip_id", "tip id must be 1-200 bytes without NUL"};
  auto table = store.table("support");
  const std::string key = std::string(kHiddenPrefix) + std::string(tip_id);
  return store.update([&](store::WriteTxn& txn) -> Status {
    if (hidden) return txn.put(table, key, "1");
    txn.del(table, key);
    return ok_status();
  });
}

bool is_hidden(const store::Store& store, std::string_view tip_id) {
  if (!valid_id(tip_id)) return false;
  auto table = store.table("support");
  const std::string key = std::string(kHiddenPrefix) + std::string(tip_id);
  bool hidden = false;
  (void)store.view([&](const store::ReadTxn& txn) -> Status {
    hidden = txn.get(table, key).has_value();
    return ok_status();
  });
  return hidden;
}

}  // namespace wm::analytics
