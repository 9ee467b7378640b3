// A streaming-support session ("pay while you watch", issue 14) and its table.
//
// Table "support_sessions" (schema 4 group): "s/<id>" -> record JSON (to_storage),
// "k/<hex sha256(Idempotency-Key)>" -> id. Only lib/support reads and writes it.
//
// Money: rate is what the streamer receives per hour (streamer's asset, minor units). The amount
// owed for the watched time is floor(rate * watched_ms / 3,600,000) (owed()); what is not yet
// committed to a payment is pending (pending()). Because owed() is recomputed from the whole
// watched time, rounding down never loses a fraction over the session (the remainder carries).
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

namespace wm::support {

using openpayments::Amount;

enum class SupportStatus { awaiting_consent, active, paused, limit_reached, stopped, denied, failed, expired };
std::string_view to_string(SupportStatus s);
std::optional<SupportStatus> status_from(std::string_view s);
bool is_final(SupportStatus s);  // stopped, denied, failed, expired

inline constexpr int64_t kHourMs = 3600 * 1000;
inline constexpr int64_t kHeartbeatWindowNs = 30LL * 1000000000;
inline constexpr int64_t kMaxLifeNs = 12LL * 3600 * 1000000000;  // session and incoming payment
inline constexpr int64_t kConsentWindowNs = 30LL * 60 * 1000000000;  // awaiting_consent -> expired

// The payment between its commit and the record of its result. stage: "intent" (committed,
// no quote yet: nothing can have been sent), "quoted" (quote id committed: the outgoing payment
// may have been requested; only this quote may pay it, and a quote pays once).
struct InFlight {
  uint64_t seq = 0;
  uint64_t receive_units = 0;  // streamer's asset
  std::string stage;
  std::string quote_id;
  uint64_t debit_units = 0;  // viewer's asset, from the quote
};

struct SupportRecord {
  std::string id;
  SupportStatus status = SupportStatus::awaiting_consent;
  std::string sender_wallet, sender_auth_server, sender_resource_server;
  std::string display_name, owncast_user_id;
  bool anonymous = false;
  Amount rate;        // per hour, streamer's asset
  Amount hour_debit;  // the grant's debitAmount per period (viewer's asset, quote of rate x 1 h)
  std::string incoming_payment_id, streamer_auth_server;
  std::string interval;  // "R/<start>/PT1H"
  int64_t interval_start_ns = 0;
  // secrets (never leave the service)
  std::string streamer_token, streamer_manage, quote_token, quote_manage, op_token, op_manage;
  std::string continue_uri, continue_token, nonce, interact_finish, consent_url;
  std::string control_hash;  // hex sha256 of the control token
  std::string idempotency_hash;
  // accounting
  int64_t watched_ms = 0;
  int64_t accrued_to_ns = 0;       // watched time is counted up to here
  uint64_t sent_receive_units = 0; // receive amounts of payments sent (or possibly sent)
  uint64_t payments = 0;
  uint64_t received_units = 0;     // incoming payment receivedAmount, last read
  int64_t last_payment_ns = 0;
  int64_t spent_period = -1;       // period index of spent_debit_units
  uint64_t spent_debit_units = 0;  // debits this period (ours, or the wallet's grantSpentDebitAmount)
  int64_t limit_period = -1;       // limit_reached in this period
  uint64_t limit_spent_units = 0;  // the wallet's grant spent when the limit was hit (0: unknown)
  std::string pending_reason;      // why pending money was not sent ("" when none)
  std::optional<InFlight> in_flight;
  std::string error_code, error_message;
  int64_t created_ns = 0, updated_ns = 0, expires_ns = 0;
};

uint64_t owed(const SupportRecord& r);    // floor(rate * watched / 1 h)
uint64_t pending(const SupportRecord& r); // owed - sent - in flight
int64_t period_of(const SupportRecord& r, int64_t now_ns);

nlohmann::json to_storage(const SupportRecord& r);
Result<SupportRecord> from_storage(const nlohmann::json& j);
// {id, status, rate, paid, payments, pendingAmount, remaining, lastPaymentAt, watchedSeconds, error?}
nlohmann::json to_public(const SupportRecord& r, int64_t now_ns);

class SupportStore {
 public:
  explicit SupportStore(store::Store& store);
  Result<SupportRecord> load(const std::string& id);  // "not_found"
  Status insert(const SupportRecord& r, const std::string& idem_key);
  // Loads, applies fn, saves (one write transaction). fn returns false to leave it unchanged.
  Result<SupportRecord> update(const std::string& id, const std::function<bool(SupportRecord&)>& fn);
  Result<std::optional<std::string>> find_idempotent(const std::string& idem_key);
  std::vector<std::string> ids_not_final();

 private:
  store::Store& store_;
  store::Table table_;
};

}  // namespace wm::support
