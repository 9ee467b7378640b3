// Tips: the payment state machine, exactly once.
//
//   create()   incoming-payment grant at the streamer's AS -> incoming payment (incomingAmount =
//              what the streamer receives) -> quote grant at the sender's AS -> quote -> interactive
//              outgoing-payment grant (limits.debitAmount = quote.debitAmount, receiver = the
//              incoming payment) -> record committed as awaiting_consent.
//   callback() only for awaiting_consent: rejected -> denied; approved -> hash verified, status
//              processing committed, then a worker continues the grant, stores the token, marks the
//              payment as attempted, creates the outgoing payment from the quote, stores its id
//              and verifies receipt (incoming payment receivedAmount >= amount, read with the
//              streamer's token) -> completed | failed. on_completed then runs (before any
//              wallet round trip, so alerts are not delayed), the grants are revoked and the
//              tokens are deleted.
//   recover()  processing tips are resumed from their last committed step; awaiting_consent tips
//              past quote expiry -> expired; final tips whose settling was interrupted (tokens
//              still stored, on_completed not yet run) are settled.
//
// Exactly once. Every side effect is preceded by a commit that lets a restart tell what may have
// happened. The guard against a second debit is the wallet itself: the outgoing-payment grant's
// debitAmount limit equals the quote and a quote can be used once, so when a payment may already
// exist (payment_attempted committed but no id stored) a repeated creation is refused and the
// streamer's incoming payment (receivedAmount) decides completed, or failed receipt_timeout.
//
// Crash points (steps), in order; TipServiceOptions::env (tip_env.h) is called right after each one,
// and a crash there is tested (in process with stop_at_step / crash_after, and with a real SIGKILL of
// the binary through OWNCAST_WM_TEST_CRASH_AFTER):
//   "processing"          status processing committed (callback), nothing sent yet
//   "continued"           the AS continued the grant and issued the token, not stored yet. The
//                         token is lost: a second continue is refused (401 request_denied, the
//                         grant is finalized), so recovery cancels the grant (revoking the lost
//                         token) and the tip ends failed "grant_lost", nothing charged. No wallet
//                         lets a client fetch a lost token again; this window is one round trip.
//   "token"               access token committed
//   "attempted"           payment_attempted committed, outgoing payment not yet requested
//   "payment_unrecorded"  outgoing payment created (debited), its id not stored
//   "payment"             outgoing payment id committed
//   "receipt"             receipt verified, completed not yet committed
//   "completed"           completed committed (notify_pending), on_completed not yet called and
//                         grants not yet released
// on_completed is called once per completed tip; only a crash in the instant between its return
// and the local commit that follows it (before the grants are released) can make a restart call
// it a second time (key on TipRecord::id).
//
// The service talks to wallets only through WalletOps (wallet_port.h); records live in TipStore
// (tip_record.h). Files: tip_service.cpp (lifecycle, callback, settling), tip_create.cpp (create),
// tip_worker.cpp (workers, payment, receipt), tip_settle.cpp (continue.wait, expiry), tip_cancel.cpp,
// tip_record.cpp (storage), tip_input.cpp (request -> TipInput).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/rate_limit.h"
#include "core/result.h"
#include "openpayments/client.h"
#include "openpayments/money.h"
#include "store/store.h"
#include "tips/tip_env.h"
#include "tips/tip_input.h"
#include "tips/tip_record.h"
#include "tips/tip_types.h"
#include "tips/wallet_port.h"
#include "tips/wallet_rate.h"

namespace wm::tips {

struct TipServiceOptions {
  std::string streamer_wallet;  // wallet address URL receiving tips
  // The URL the viewer's wallet sends the viewer back to after approval (the GNAP interact finish
  // URI) for a tip id; built by the HTTP layer (app::tip_callback_url). Required to create tips.
  std::function<std::string(const std::string& tip_id)> callback_url;
  // Accepted amounts (what the streamer receives). min_amount / max_amount are decimal strings in
  // the streamer's asset ("2.50"), parsed once its wallet (assetCode, assetScale) is known; ""
  // falls back to min_units / max_units. A value that does not parse (or min > max, max 0) makes
  // create() answer not_configured naming the value.
  std::string min_amount;
  std::string max_amount;
  uint64_t min_units = 1;        // in the streamer's asset; 0 counts as 1
  uint64_t max_units = 0;        // 0: 100 major units of the streamer's asset
  bool anonymous_allowed = true;  // false: a tip with "anonymous":true -> anonymous_not_allowed
  int rate_per_ip = 10;          // tips created per minute per client IP (0: off)
  int rate_per_wallet = 10;      // ... per sender wallet (0: off)
  int rate_window_s = 60;
  int poll_first_ms = 200;       // receipt checks after the payment was created: 5 this far apart,
  int poll_max_ms = 5000;        // then 1.5x per check up to poll_max_ms
  int expiry_check_ms = 1000;    // how often awaiting_consent tips are checked against quote expiry
  int receipt_timeout_ms = 60000;  // then -> failed receipt_timeout
  int max_continue_attempts = 5;
  int retry_base_ms = 500;       // wait before retrying a payment the wallet did not answer (x attempt)
  size_t workers = 4;
  // Crash points (tip_env.h); nullptr: none. crash_after (tests): shorthand for
  // env = stop_at_step(crash_after) when env is not set.
  std::shared_ptr<TipEnv> env;
  std::string crash_after;
  // Called for each completed tip (secrets cleared) after its grants were released.
  std::function<void(const TipRecord&)> on_completed;
  // Called once a final status other than completed (denied, failed, expired, cancelled) is
  // committed, with secrets cleared, before the grants are released. A crash in between loses
  // the call (nothing is retried: no money moved).
  std::function<void(const TipRecord&)> on_final;
};

// What the viewer pays on top of the tip, from the quote. Same asset on both sides: fee =
// debitAmount - receiveAmount (in the debit asset). Different assets: no rate is known to
// convert with, so fee is nullopt and high is false. high: the fee is more than half the tip.
struct QuoteFee {
  std::optional<Amount> fee;
  bool high = false;
};
QuoteFee quote_fee(const Amount& debit_amount, const Amount& receive_amount);

// The accepted range from decimal strings in the given asset ("" = defaults: 1 minor unit and
// 100 major units; "0" as minimum = 1 minor unit). Errors ("invalid_tip_range") name the value:
// not a decimal in this asset, maximum zero, minimum above maximum.
Result<std::pair<Amount, Amount>> tip_range(const std::string& min_amount, const std::string& max_amount,
                                            const std::string& asset_code, int asset_scale);

// A creation as the HTTP layer hands it over: the JSON body (parsed with parse_tip_input) and
// where it came from.
struct CreateRequest {
  nlohmann::json body;
  std::string idempotency_key;
  std::string client_ip;
  std::string viewer_session{};  // the id of a live viewer session that sent it ("" when none)
};

// What a viewer presents to cancel a tip: viewer session ids (header, cookie) and the
// Idempotency-Key of the creation. Any one matching the tip's creator is enough.
struct CancelRequest {
  std::vector<std::string> viewer_sessions;
  std::string idempotency_key;
};

struct CreateResult {
  TipRecord tip;
  bool replayed = false;  // idempotent replay (the HTTP layer answers 200 instead of 201)
};

struct CallbackResult {
  TipRecord tip;
  bool changed = false;
  std::string note;  // why nothing changed
};

class TipService {
 public:
  TipService(store::Store& store, WalletOps& wallet, TipServiceOptions opts);
  // Production convenience: wraps the client in an OpenPaymentsWallet owned by the service.
  TipService(store::Store& store, openpayments::Client& client, TipServiceOptions opts);
  ~TipService();  // stop()
  TipService(const TipService&) = delete;
  TipService& operator=(const TipService&) = delete;

  // tip_create.cpp: idempotency, rate limit, parse_tip_input(req.body), then the wallet steps.
  Result<CreateResult, TipError> create(const CreateRequest& req);
  // tip_cancel.cpp: ends an awaiting_consent tip as cancelled and cancels its grant (and, like every
  // ended tip, releases its tokens). not_found, not_creator (nothing presented matches the
  // creator), not_cancellable (not awaiting consent any more). Returns the cancelled record.
  Result<TipRecord, TipError> cancel(const std::string& id, const CancelRequest& who);
  // Read-only: the stored record (no wallet call, no write). An awaiting_consent tip past its
  // quote's expiry is ended by the worker (expire_due), not by reading it.
  std::optional<TipRecord> get(const std::string& id);
  // query: the raw query string of the finish redirect ("hash=..&interact_ref=.." or "result=..").
  // A redirect without a hash (rejected / error) ends the tip only when the authorization
  // server confirms it (grant polling answers request_denied); otherwise the tip stays
  // awaiting_consent: rejection_unconfirmed, or wallet_unreachable.
  Result<CallbackResult, TipError> callback(const std::string& id, const std::string& query);
  // Start-up reconciliation; resumes processing tips on the workers.
  void recover();
  // Waits for the workers to leave (an interrupted tip stays processing; recover() resumes it).
  void stop();

  // The streamer's wallet address (cached; fetched on first use). nullopt when unreachable.
  std::optional<openpayments::WalletAddress> streamer_wallet();
  // New limits for the next create() (e.g. after the streamer changed them in the admin page).
  void set_limits(std::string min_amount, std::string max_amount, bool anonymous_allowed);
  // The newest n tips by creation time, secrets cleared (scans the table).
  std::vector<TipRecord> list_recent(size_t n);

  // Completes the streamer's incoming payment of a tip that ended without payment (denied, failed,
  // expired, cancelled) with the streamer's token, so no open incoming payment stays behind.
  // Needs r.streamer_token (call before the tokens are released); failures are logged only.
  void close_incoming_payment(const TipRecord& r);
  // awaiting_consent tips whose quote expired -> expired (run by a timer every expiry_check_ms).
  void expire_due();

  // For tests: blocks until the tip is final (or a crash point stopped it), up to timeout.
  std::optional<TipRecord> wait_settled(const std::string& id, int timeout_ms);

 private:
  Result<TipRecord, TipError> load(const std::string& id);
  Status save(const TipRecord& r) { return tips_.save(r); }
  Result<openpayments::WalletAddress, TipError> streamer();
  // A receipt check due at a time: workers never sleep through the wait, they take other tips.
  struct ReceiptCheck {
    std::string id;
    int delay_ms = 0;         // the wait that led here; the next one is 1.5x, up to poll_max_ms
    int64_t deadline_ns = 0;  // monotonic; past it -> failed receipt_timeout
    int checks = 0;           // receipt checks done so far
    bool resume = false;      // not a receipt check: process() again (continue.wait is over)
  };
  // tip_create.cpp
  struct IdemGuard;
  Result<CreateResult, TipError> create_tip(const TipInput& in, const CreateRequest& req);
  Result<std::optional<CreateResult>, TipError> idempotent_replay(const std::string& idem, const std::string& body_hash);
  Result<Amount, TipError> tip_amount(const TipInput& in, const openpayments::WalletAddress& w);
  Result<TipRecord, TipError> new_record(const TipInput& in, const CreateRequest& req,
                                         const openpayments::WalletAddress& sender, const Amount& amount);
  std::optional<TipError> open_incoming_payment(TipRecord& r, const openpayments::WalletAddress& streamer);
  std::optional<TipError> quote(TipRecord& r, const openpayments::WalletAddress& sender);
  std::optional<TipError> request_payment_grant(TipRecord& r, const openpayments::WalletAddress& sender);
  // 0 when the grant may be continued now, otherwise the milliseconds left of continue.wait.
  int continue_wait_left_ms(const TipRecord& r) const;
  // process()'s first step: continue the grant once continue.wait is over and store the token.
  // go_on: r holds the token; scheduled: comes back when the wait is over; stop: finished or
  // interrupted (a crash point, stopping, a failed write).
  enum class ContinueStep { go_on, scheduled, stop };
  ContinueStep continue_grant(TipRecord& r);
  void expiry_timer();
  void watch_expiry(const TipRecord& r);
  void enqueue(const std::string& id);
  void worker();
  // Both return true when the tip has a receipt check scheduled (it stays in queued_).
  bool process(const std::string& id);
  // process()'s second step: create the outgoing payment. nullopt: go on to the receipt checks;
  // otherwise process() returns this value (finished or interrupted).
  std::optional<bool> pay(TipRecord& r, bool attempted_before);
  bool check_receipt(const ReceiptCheck& c);
  void schedule(ReceiptCheck c);
  bool sleep_ms(int ms);  // false when stopping
  // Commits the final state and settles. Returns false (no more work for the tip), so that
  // process() and check_receipt() can end with `return finish(...)`.
  bool finish(TipRecord r, TipStatus status, const std::string& code, const std::string& message);
  // After the final state was committed: on_completed, revoke grants, forget the tokens.
  void settle(TipRecord r);
  void release_grants(TipRecord& r);
  Result<std::pair<Amount, Amount>, TipError> accepted_range(const openpayments::WalletAddress& w);
  std::optional<TipError> confirm_rejection(const TipRecord& r);
  bool crash_here(const std::string& step, const std::string& id);
  Result<std::optional<openpayments::IncomingPayment>, Error> read_incoming(TipRecord& r);

  std::unique_ptr<WalletOps> owned_wallet_;  // the adapter of the Client constructor
  store::Store& store_;
  WalletOps& wallet_;
  TipServiceOptions opts_;
  TipStore tips_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable settled_cv_;
  std::deque<std::string> queue_;
  std::multimap<std::chrono::steady_clock::time_point, ReceiptCheck> checks_;  // by due time
  std::set<std::string> queued_;  // in queue_, in checks_ or on a worker
  std::set<std::string> crashed_;
  std::shared_ptr<TipEnv> env_;  // never null
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::optional<openpayments::WalletAddress> streamer_;
  std::set<std::string> idem_in_flight_;
  std::multimap<int64_t, std::string> expiries_;  // awaiting_consent tips by quote expiry (unix ns)
  RateLimiter rate_;  // tips created per client IP
  WalletRate wallet_rate_;  // ... per sender wallet; cancelled and expired tips are given back
};

}  // namespace wm::tips
