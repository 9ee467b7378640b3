// A tip's record and its table. Records live in the store table "tips": "t/<id>" -> JSON
// (to_storage / from_storage), "k/<hex sha256(idempotency key)>" -> id. Only lib/tips reads and
// writes that table; other modules (analytics, CSV export) read through TipStore::scan.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "openpayments/money.h"
#include "store/store.h"
#include "tips/tip_types.h"

namespace wm::tips {

using openpayments::Amount;

struct TipRecord {
  std::string id;
  TipStatus status = TipStatus::awaiting_consent;
  std::string stream_id;
  std::string sender_wallet;  // wallet address id
  std::string sender_auth_server;
  std::string sender_resource_server;
  std::string message;
  std::string display_name;
  bool anonymous = false;
  Amount amount;  // what the streamer receives
  Amount debit_amount;
  Amount receive_amount;
  std::string quote_id;
  std::string quote_expires_at;
  std::string incoming_payment_id;
  std::string streamer_auth_server;
  // secrets (never exposed; cleared once settled)
  std::string streamer_token, streamer_manage;
  std::string quote_token, quote_manage;
  std::string continue_uri, continue_token;
  int64_t continue_after_ns = 0;  // GNAP continue.wait: no continue before this (wall clock)
  int64_t continue_sent_ns = 0;   // intent committed before the continue was sent (0: not yet)
  std::string nonce, interact_finish, interact_ref;
  std::string op_token, op_manage;
  bool payment_attempted = false;
  std::string outgoing_payment_id;
  bool notify_pending = false;  // completed committed, on_completed not run yet
  std::string consent_url;
  std::string error_code, error_message;
  int64_t created_ns = 0, updated_ns = 0;
  std::string idempotency_hash;  // sha256 hex of the request body
  // Owncast's stable user id, as the widget forwarded it (External Actions get ?userId=). A hint
  // shown to the streamer, never used for money or authorization. At most 64 characters.
  std::string owncast_user_id;
  // Who may cancel (tip_cancel.h): creator_hash() of the viewer session id and of the
  // Idempotency-Key that created the tip ("" when none was sent).
  std::string creator_session_hash, creator_key_hash;
};

nlohmann::json to_storage(const TipRecord& r);
Result<TipRecord> from_storage(const nlohmann::json& j);
// {id, status, amounts:{debitAmount, receiveAmount}, amount, message, displayName, createdAt, updatedAt, error?}
nlohmann::json to_public(const TipRecord& r);


// The quote of r has an expiry and it is before now_ns (unix ns).
bool quote_expired(const TipRecord& r, int64_t now_ns);

// Every secret of a record cleared (tokens, continuation, nonce): what leaves the tip service.
void clear_secrets(TipRecord& r);

// The table "tips". Reads and writes of one record; scans for the readers outside lib/tips.
class TipStore {
 public:
  explicit TipStore(store::Store& store);

  Result<TipRecord> load(const std::string& id);  // Error code "not_found" when there is none
  Status save(const TipRecord& r);                // sets updated_ns
  // Saves r and, when idem_key is not empty, the idempotency index entry, in one transaction.
  Status insert(const TipRecord& r, const std::string& idem_key);
  // The tip id stored under an idempotency index key ("k/...").
  Result<std::optional<std::string>> find_idempotent(const std::string& idem_key);
  // Applies fn when the stored status equals `from`; returns the stored record after the write.
  // Error "conflict" when the status differs.
  Result<TipRecord> transition(const std::string& id, TipStatus from, const std::function<void(TipRecord&)>& fn);
  std::vector<TipRecord> load_all();  // every readable record

  // Every readable record, in key order, secrets cleared, inside the caller's transaction (so a
  // reader can join other tables consistently). fn returns false to stop.
  static void scan(const store::ReadTxn& txn, const store::Store& store, const std::function<bool(const TipRecord&)>& fn);

 private:
  store::Store& store_;
  store::Table table_;
};

}  // namespace wm::tips
