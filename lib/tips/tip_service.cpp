#include "tips/tip_service.h"

#include <algorithm>
#include <chrono>

#include "core/log.h"
#include "core/timeutil.h"
#include "openpayments/errors.h"
#include "tips/tiers.h"

namespace wm::tips {

namespace {

using C = TipErrorCode;
using S = TipStatus;

bool has_secrets(const TipRecord& r) {
  return !r.op_token.empty() || !r.streamer_token.empty() || !r.quote_token.empty() || !r.continue_uri.empty();
}

// Final and fully settled: nothing left for settle() to do.
bool settled(const TipRecord& r) { return is_final(r.status) && !has_secrets(r) && !r.notify_pending; }

std::shared_ptr<TipEnv> env_of(const TipServiceOptions& o) {
  if (o.env) return o.env;
  if (!o.crash_after.empty()) return stop_at_step(o.crash_after);
  return std::make_shared<TipEnv>();
}

}  // namespace

Result<std::pair<Amount, Amount>> tip_range(const std::string& min_amount, const std::string& max_amount,
                                            const std::string& asset_code, int asset_scale) {
  auto range = default_range(asset_code, asset_scale);
  if (!range) return Error{"invalid_tip_range", "the streamer's asset cannot be used for tips: " + range.error().message};
  auto one = openpayments::make_amount(1, asset_code, asset_scale);
  if (!one) return Error{"invalid_tip_range", one.error().message};
  Amount lo = *one, hi = range->second;
  const std::string unit = asset_code + " (scale " + std::to_string(asset_scale) + ")";
  if (!min_amount.empty()) {
    auto a = parse_decimal(min_amount, asset_code, asset_scale);
    if (!a) return Error{"invalid_tip_range", "the minimum tip is not an amount in " + unit + ": " + a.error().message};
    if (a->units != 0) lo = *a;
  }
  if (!max_amount.empty()) {
    auto a = parse_decimal(max_amount, asset_code, asset_scale);
    if (!a) return Error{"invalid_tip_range", "the maximum tip is not an amount in " + unit + ": " + a.error().message};
    if (a->units == 0) return Error{"invalid_tip_range", "the maximum tip must be greater than zero"};
    hi = *a;
  }
  auto c = openpayments::compare(lo, hi);
  if (!c || *c > 0)
    return Error{"invalid_tip_range", "the minimum tip (" + openpayments::format_amount(lo) +
                                          ") is larger than the maximum (" + openpayments::format_amount(hi) + ")"};
  return std::pair{lo, hi};
}

TipService::TipService(store::Store& store, openpayments::Client& client, TipServiceOptions opts)
    : TipService(store, *new OpenPaymentsWallet(client), std::move(opts)) {
  owned_wallet_.reset(&wallet_);
}

TipService::TipService(store::Store& store, WalletOps& wallet, TipServiceOptions opts)
    : store_(store), wallet_(wallet), opts_(std::move(opts)), tips_(store), env_(env_of(opts_)),
      rate_(opts_.rate_window_s), wallet_rate_(opts_.rate_window_s) {
  for (size_t i = 0; i < std::max<size_t>(1, opts_.workers); ++i) threads_.emplace_back([this] { worker(); });
  threads_.emplace_back([this] { expiry_timer(); });
}

TipService::~TipService() { stop(); }

void TipService::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

bool TipService::sleep_ms(int ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

Result<TipRecord, TipError> TipService::load(const std::string& id) {
  auto r = tips_.load(id);
  if (r) return *r;
  if (r.error().code == "not_found") return TipError{C::not_found, "no tip with this id"};
  return TipError::internal(r.error().code, r.error().message);
}

std::optional<openpayments::WalletAddress> TipService::streamer_wallet() {
  auto w = streamer();
  if (!w) return std::nullopt;
  return *w;
}

void TipService::set_limits(std::string min_amount, std::string max_amount, bool anonymous_allowed) {
  std::lock_guard<std::mutex> lock(mu_);
  opts_.min_amount = std::move(min_amount);
  opts_.max_amount = std::move(max_amount);
  opts_.anonymous_allowed = anonymous_allowed;
}

std::vector<TipRecord> TipService::list_recent(size_t n) {
  std::vector<TipRecord> all = tips_.load_all();
  std::sort(all.begin(), all.end(), [](const TipRecord& a, const TipRecord& b) {
    return a.created_ns != b.created_ns ? a.created_ns > b.created_ns : a.id < b.id;
  });
  if (all.size() > n) all.resize(n);
  for (auto& r : all) clear_secrets(r);
  return all;
}

std::optional<TipRecord> TipService::get(const std::string& id) {
  auto r = load(id);
  if (!r) return std::nullopt;
  return *r;
}

void TipService::release_grants(TipRecord& r) {
  if (!r.op_token.empty()) (void)wallet_.revoke_token({r.op_token, r.op_manage, std::nullopt, nullptr});
  if (!r.continue_uri.empty()) (void)wallet_.cancel_grant({r.continue_uri, r.continue_token, 0});
  if (!r.streamer_token.empty())
    (void)wallet_.revoke_token({r.streamer_token, r.streamer_manage, std::nullopt, nullptr});
  if (!r.quote_token.empty()) (void)wallet_.revoke_token({r.quote_token, r.quote_manage, std::nullopt, nullptr});
  clear_secrets(r);
}

bool TipService::finish(TipRecord r, TipStatus status, const std::string& code, const std::string& message) {
  // Commit the final state first; settle() then revokes, notifies and forgets the tokens.
  auto done = tips_.transition(r.id, r.status, [&](TipRecord& x) {
    x.status = status;
    x.error_code = code;
    x.error_message = message;
    x.notify_pending = status == TipStatus::completed;
  });
  if (!done) return false;  // someone else moved it
  if (status == TipStatus::expired || status == TipStatus::cancelled) wallet_rate_.release(done->id);  // not counted
  log::info("tip settled", {{"tip", done->id}, {"status", std::string(to_string(status))}, {"code", code}});
  if (status == TipStatus::completed && crash_here("completed", done->id)) return false;
  if (status != TipStatus::completed && opts_.on_final) {
    TipRecord pub = *done;
    clear_secrets(pub);
    opts_.on_final(pub);
  }
  settle(*done);
  return false;
}

void TipService::settle(TipRecord rec) {
  // The money is confirmed: tell the stream first (alerts wait on this), and commit that it was
  // told, so the wallet round trips below never delay it nor widen the window for a second call.
  if (rec.notify_pending && rec.status == TipStatus::completed && opts_.on_completed) {
    TipRecord pub = rec;
    clear_secrets(pub);
    try {
      opts_.on_completed(pub);
    } catch (...) {
      log::warn("tip: on_completed threw", {{"tip", rec.id}});
    }
    rec.notify_pending = false;
    if (auto st = save(rec); !st) log::warn("tip: cannot record the notification", {{"tip", rec.id}});
  }
  rec.notify_pending = false;
  if (rec.status != TipStatus::completed) close_incoming_payment(rec);  // nothing more may be paid into it
  release_grants(rec);  // revocations are idempotent: a repeat after a crash is harmless
  if (auto st = save(rec); !st) log::warn("tip: cannot clear tokens", {{"tip", rec.id}});
  settled_cv_.notify_all();
}

Result<CallbackResult, TipError> TipService::callback(const std::string& id, const std::string& query) {
  auto r = load(id);
  if (!r) return r.error();
  if (r->status != TipStatus::awaiting_consent) return CallbackResult{*r, false, "this tip was already handled"};
  auto fr = openpayments::parse_finish_redirect("?" + query);
  using O = openpayments::FinishRedirect::Outcome;
  if (fr.outcome == O::error && (fr.result == "invalid_redirect" || fr.result.empty()))
    return TipError{TipErrorCode::invalid_callback, "the wallet's redirect is incomplete: " + fr.message};
  if (fr.outcome != O::approved)
    if (auto unconfirmed = confirm_rejection(*r)) return *unconfirmed;
  if (fr.outcome == O::rejected) {
    finish(*r, TipStatus::denied, "denied", "the payment was not approved in the wallet");
  } else if (fr.outcome == O::error) {
    // fr.result / fr.message come from the redirect's query: logged, never shown.
    log::info("tip: the wallet ended the approval", {{"tip", r->id}, {"result", fr.result.substr(0, 64)}});
    finish(*r, TipStatus::failed, "interaction_failed",
           "Your wallet ended the approval before it was finished. Nothing was charged; send the tip again.");
  } else {
    if (!openpayments::verify_interaction_hash(fr.hash, r->nonce, r->interact_finish, fr.interact_ref,
                                               r->sender_auth_server))
      return TipError{TipErrorCode::invalid_hash, "the wallet's redirect could not be verified"};
    if (quote_expired(*r, timeutil::now_ns())) {
      finish(*r, TipStatus::expired, "quote_expired", "the quote expired before the payment was approved");
    } else {
      auto moved = tips_.transition(id, S::awaiting_consent, [&](TipRecord& x) {
        x.status = S::processing;
        x.interact_ref = fr.interact_ref;
      });
      if (!moved) {
        auto again = load(id);
        if (!again) return again.error();
        return CallbackResult{*again, false, "this tip was already handled"};
      }
      if (!crash_here("processing", id)) enqueue(id);
      return CallbackResult{*moved, true, ""};
    }
  }
  auto after = load(id);
  if (!after) return after.error();
  return CallbackResult{*after, true, ""};
}

// A rejection redirect carries no hash, so anyone who knows the tip id could forge one: the
// authorization server must confirm that the grant can no longer be approved.
std::optional<TipError> TipService::confirm_rejection(const TipRecord& r) {
  if (r.continue_uri.empty()) return std::nullopt;  // nothing left to approve
  auto poll = wallet_.poll_grant({r.continue_uri, r.continue_token, 0});
  if (!poll) {
    log::warn("tip: rejection not confirmed", {{"tip", r.id}, {"error", poll.error().code}});
    return TipError{TipErrorCode::wallet_unreachable,
                    "the wallet could not confirm that the payment was declined; the tip stays open"};
  }
  if (*poll == openpayments::Client::PollState::denied) return std::nullopt;
  log::warn("tip: rejection redirect, but the grant is still open", {{"tip", r.id}});
  return TipError{TipErrorCode::rejection_unconfirmed,
                  "the wallet still shows this payment as waiting for approval; approve or deny it there"};
}

bool TipService::crash_here(const std::string& step, const std::string& id) {
  if (!env_->crash_after(step, id)) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    crashed_.insert(id);
  }
  settled_cv_.notify_all();
  log::warn("tip: simulated crash", {{"tip", id}, {"after", step}});
  return true;
}

std::optional<TipRecord> TipService::wait_settled(const std::string& id, int timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto r = load(id);
    if (r && settled(*r)) return *r;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (crashed_.count(id)) {
        // Read again: the step that crashed may have committed after the load above.
        lock.unlock();
        auto now = load(id);
        return now ? std::optional<TipRecord>(*now) : std::nullopt;
      }
      if (std::chrono::steady_clock::now() >= until) return r ? std::optional<TipRecord>(*r) : std::nullopt;
      settled_cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }
}

}  // namespace wm::tips
