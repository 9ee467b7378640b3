#include "notify/outcome.h"

namespace wm::notify {

namespace {

std::string key_of(std::string_view tip_id) { return std::string(kOutcomePrefix) + std::string(tip_id); }

bool valid_id(std::string_view id) { return !id.empty() && id.size() <= 200 && id.find('\0') == std::string_view::npos; }

std::string value_of(const Outcome& outcome) {
  return outcome.queued ? std::string("queued") : "skipped:" + outcome.reason;
}

Error invalid_id() { return Error{"invalid_tip_id", "tip id must be 1-200 bytes without NUL"}; }

}  // namespace

Status record_outcome(store::Store& store, std::string_view tip_id, const Outcome& outcome) {
  if (!valid_id(tip_id)) return invalid_id();
  store::Table t = store.table("settings");
  return store.update([&](store::WriteTxn& txn) { return txn.put(t, key_of(tip_id), value_of(outcome)); });
}

Status record_first_outcome(const store::Store& store, store::WriteTxn& txn, std::string_view tip_id,
                            const Outcome& outcome) {
  if (!valid_id(tip_id)) return invalid_id();
  store::Table t = store.table("settings");
  if (txn.get(t, key_of(tip_id))) return Error{"already_recorded", "this tip's announcement was already decided"};
  return txn.put(t, key_of(tip_id), value_of(outcome));
}

std::optional<Outcome> load_outcome(const store::Store& store, std::string_view tip_id) {
  if (!valid_id(tip_id)) return std::nullopt;
  std::optional<Outcome> out;
  store::Table t = store.table("settings");
  (void)store.view([&](const store::ReadTxn& txn) {
    if (auto v = txn.get(t, key_of(tip_id))) {
      const std::string_view s = *v;
      if (s == "queued") out = Outcome{true, {}};
      else if (s.rfind("skipped:", 0) == 0) out = Outcome{false, std::string(s.substr(8))};
    }
    return ok_status();
  });
  return out;
}

}  // namespace wm::notify
