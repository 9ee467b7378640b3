// Streaming support ("pay while you watch", issue 14): a viewer approves once an
// outgoing-payment grant capped per hour; while they watch a live stream, owncast-wm pays the
// streamer rate x watched time in small payments. Nothing here knows HTTP (app/support_routes).
//
//   create()    incoming-payment grant + incoming payment without amount at the streamer's wallet
//               (expiresAt = now + 12 h, the session's maximum life) -> quote grant + quote of
//               rate x 1 h (receiveAmount) at the viewer's wallet -> interactive outgoing-payment
//               grant, limits {receiver, debitAmount = quote.debitAmount, interval R/<now>/PT1H}
//               -> committed awaiting_consent. Returns the control token once (only its hash is kept).
//   callback()  finish hash checked -> grant continued -> token committed -> active.
//   heartbeat() in memory (a restart waits for the next one, <= 15 s).
//   tick()      per session, every interval: watched time accrues while the stream is live and a
//               heartbeat came within 30 s; status active/paused follows; then one payment of what
//               is pending (see pay() in support_pay.cpp). limit_reached: one read of the grant's
//               spent amount at the wallet (GET outgoing-payment-grant); below what it was when
//               the limit was hit, the wallet's next period began (its clock decides) -> paused.
//   stop()      stopped committed, then the grant's token revoked.
//
// Exactly once (per payment): intent committed (in_flight stage "intent") -> quote (receiveAmount
// = pending) -> quote id committed (stage "quoted") -> outgoing payment from that quote -> result
// committed. Restart: an "intent" was never sent (cleared); a "quoted" payment is requested again
// with the same quote: the wallet pays a quote at most once and its payment takes the quote's id,
// so on a refusal (400) that payment is read: found -> it was sent (recorded with the wallet's
// amounts); 404 -> never sent (the quote expired meanwhile): cleared, the amount stays pending and
// is quoted again. A payment the wallet marks failed is not counted (pending, next interval). Crash points
// (TipEnv, OWNCAST_WM_TEST_CRASH_AFTER): "support_intent", "support_quoted",
// "support_sent_unrecorded", "support_sent".
#pragma once
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "store/store.h"
#include "support/support_record.h"
#include "support/support_wallet.h"
#include "tips/tip_env.h"

namespace wm::support {

enum class SupportErrorCode {
  invalid_request, invalid_rate, unknown_preset, invalid_wallet_address, idempotency_key_reused,
  idempotency_in_progress, invalid_idempotency_key, not_found, invalid_callback, invalid_hash,
  wallet_error, wallet_unreachable, streamer_wallet_error, internal
};

struct SupportError {
  SupportErrorCode kind = SupportErrorCode::internal;
  std::string code;
  std::string message;
};

// What a support event carries (published on the bus by the owner of on_event).
enum class NoteKind { started, payment, stopped };
struct SupportNote {
  NoteKind kind = NoteKind::started;
  SupportRecord record;  // secrets cleared
  Amount amount;         // payment: what the streamer receives
};

struct SupportOptions {
  std::string streamer_wallet;
  std::function<std::string(const std::string& id)> callback_url;
  std::function<int64_t()> clock;  // unix ns; default timeutil::now_ns
  int64_t interval_ms = 60000;     // scheduler period (--support-interval)
  int workers = 4;                 // sessions paid at once in a round (each one by one thread)
  bool start_thread = true;        // false: tests call tick() themselves
  std::shared_ptr<tips::TipEnv> env;
  std::function<void(const SupportNote&)> on_event;
  std::function<std::string()> presets;  // the "support-presets" setting ("" = defaults)
};

struct SupportInput {
  std::string sender_wallet;
  std::optional<nlohmann::json> rate;
  std::string preset_id;
  std::string display_name, owncast_user_id;
  bool anonymous = false;
};

struct SupportCreated {
  SupportRecord record;
  std::string control_token;  // empty on an idempotent replay (it is never shown twice)
  bool replayed = false;
};

// The streamer's presets per hour: the setting "support-presets" holds 1-3 decimal amounts,
// comma-separated, in the streamer's asset ("" = the defaults 0.60,1.20,3.00). Their ids are
// "low", "medium", "high" in that order (a public contract: presetId in POST /plugins/wm/support).
inline constexpr std::string_view kDefaultPresets = "0.60,1.20,3.00";
struct Preset {
  std::string id;
  Amount rate;
};
// Errors "invalid_presets" (message names the problem: count, decimal rule, zero, above
// kMaxRate, past the asset's scale).
Result<std::vector<Preset>> parse_presets(std::string_view setting, const std::string& asset_code, int asset_scale);
// Error "unknown_preset" for an id the streamer has not set.
Result<Amount> preset_rate(std::string_view id, const std::string& asset_code, int asset_scale,
                           std::string_view setting = {});
inline constexpr std::string_view kMaxRate = "100";  // per hour, major units
Result<SupportInput, SupportError> parse_support_input(const nlohmann::json& body);

class SupportService {
 public:
  SupportService(store::Store& store, SupportWallet& wallet, SupportOptions opts);
  SupportService(store::Store& store, openpayments::Client& client, SupportOptions opts);
  ~SupportService();

  Result<SupportCreated, SupportError> create(const nlohmann::json& body, const std::string& idempotency_key);
  Result<SupportRecord, SupportError> callback(const std::string& id, const std::string& query);
  // false: no session with this id and token (the routes answer 404 either way).
  bool heartbeat(const std::string& id, const std::string& control_token);
  Result<SupportRecord, SupportError> stop(const std::string& id, const std::string& control_token);
  std::optional<SupportRecord> get(const std::string& id);  // read only, secrets cleared
  // Sessions the viewer approved that have not ended (active, paused, limit_reached), oldest first.
  std::vector<SupportRecord> watching();
  void set_live(bool live);
  bool live() const;

  void tick();     // one round over every session (the scheduler thread calls it)
  void recover();  // start-up: resolves payments in flight, starts the scheduler
  void shutdown();
  int64_t now() const;

 private:
  bool token_ok(const SupportRecord& r, const std::string& token) const;
  Result<openpayments::WalletAddress, SupportError> streamer();
  std::optional<SupportError> open_incoming(SupportRecord& r);
  std::optional<SupportError> quote_hour(SupportRecord& r, const openpayments::WalletAddress& sender);
  std::optional<SupportError> request_grant(SupportRecord& r, const openpayments::WalletAddress& sender);
  Result<Amount, SupportError> rate_of(const SupportInput& in, const openpayments::WalletAddress& w);
  void release(const SupportRecord& r);
  void tick_one(const std::string& id);
  void accrue(SupportRecord& r, int64_t now_ns);
  void pay(SupportRecord r);
  bool resolve_in_flight(SupportRecord& r);
  enum class TokenKind { op, quote, streamer };
  bool rotate(const std::string& id, TokenKind kind);
  void record_sent(const std::string& id, const openpayments::OutgoingPayment* o);
  void record_limit(const std::string& id);
  bool settle_refused_quote(SupportRecord& r);
  void clear_in_flight(const std::string& id, const char* reason);
  std::optional<uint64_t> wallet_spent(const std::string& id);
  void check_new_period(const std::string& id);
  void refresh_received(const std::string& id);
  void end(const std::string& id, SupportStatus s, const std::string& code, const std::string& message);
  bool crash(const char* step, const std::string& id);
  void emit(NoteKind kind, const SupportRecord& r, const Amount& amount = {});
  void loop();

  std::unique_ptr<SupportWallet> owned_;
  SupportWallet& wallet_;
  SupportOptions opts_;
  SupportStore store_;
  mutable std::mutex mu_;  // heartbeats, live, idempotency in flight, streamer cache, session locks
  // A session's payment step vs stop() and set_live() on the same session: one lock per session
  // (session_lock), so a round pays `workers` sessions at once.
  std::map<std::string, std::shared_ptr<std::mutex>> session_locks_;
  std::shared_ptr<std::mutex> session_lock(const std::string& id);
  std::map<std::string, int64_t> heartbeats_;
  std::set<std::string> idem_in_flight_, crashed_;
  bool live_ = false;
  std::optional<openpayments::WalletAddress> streamer_;
  std::condition_variable cv_;
  bool quit_ = false;
  std::thread thread_;
};

}  // namespace wm::support
