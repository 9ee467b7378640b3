// TipService: timing and loose ends around settling a tip. GNAP continue.wait, the expiry timer
// for tips waiting for consent, the fee a quote reveals, and closing the streamer's incoming
// payment when a tip ends without payment (see tip_service.h).
#include <chrono>

#include "core/log.h"
#include "core/timeutil.h"
#include "tips/tip_service.h"

namespace wm::tips {

namespace {

std::optional<int64_t> expiry_ns(const TipRecord& r) {
  if (r.quote_expires_at.empty()) return std::nullopt;
  auto p = timeutil::parse_rfc3339(r.quote_expires_at);
  if (!p || p->zero) return std::nullopt;
  return p->unix_ns;
}

}  // namespace

QuoteFee quote_fee(const Amount& debit_amount, const Amount& receive_amount) {
  QuoteFee out;
  if (debit_amount.asset_code != receive_amount.asset_code || debit_amount.asset_scale != receive_amount.asset_scale)
    return out;  // no rate to convert with: unknown, not high
  auto fee = openpayments::subtract(debit_amount, receive_amount);
  if (!fee) return out;  // the wallet delivers more than it debits: no fee
  out.fee = *fee;
  out.high = fee->units > receive_amount.units / 2;  // 2*fee > tip, without overflow
  return out;
}

int TipService::continue_wait_left_ms(const TipRecord& r) const {
  if (r.continue_after_ns <= 0) return 0;
  const int64_t left_ns = r.continue_after_ns - timeutil::now_ns();
  if (left_ns <= 0) return 0;
  return static_cast<int>((left_ns + 999999) / 1000000);
}

void TipService::close_incoming_payment(const TipRecord& r) {
  if (r.incoming_payment_id.empty() || r.streamer_token.empty()) return;
  auto done = wallet_.complete_incoming_payment(r.incoming_payment_id, r.streamer_token);
  if (!done)
    log::warn("tip: could not complete the streamer's incoming payment",
              {{"tip", r.id}, {"error", done.error().message()}});
}

void TipService::watch_expiry(const TipRecord& r) {
  auto at = expiry_ns(r);
  if (!at) return;
  std::lock_guard<std::mutex> lock(mu_);
  expiries_.emplace(*at, r.id);
}

void TipService::expire_due() {
  std::vector<std::string> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = timeutil::now_ns();
    while (!expiries_.empty() && expiries_.begin()->first < now) {
      due.push_back(expiries_.begin()->second);
      expiries_.erase(expiries_.begin());
    }
  }
  for (const auto& id : due) {
    auto r = load(id);
    if (!r || r->status != TipStatus::awaiting_consent) continue;  // approved, denied or cancelled meanwhile
    auto at = expiry_ns(*r);
    if (!at || *at >= timeutil::now_ns()) continue;
    finish(*r, TipStatus::expired, "quote_expired", "the quote expired before the payment was approved");
  }
}

void TipService::expiry_timer() {
  const auto every = std::chrono::milliseconds(std::max(10, opts_.expiry_check_ms));
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, every, [this] { return stopping_; })) return;
    }
    try {
      expire_due();
    } catch (const std::exception& e) {
      log::error("tip: expiry check failed", {{"error", e.what()}});
    }
  }
}

}  // namespace wm::tips

namespace wm::tips {

namespace {
constexpr const char* kGrantLost =
    "Your approval reached us, but the server restarted before it could use it. Nothing was charged: "
    "please send the tip again.";
}  // namespace

TipService::ContinueStep TipService::continue_grant(TipRecord& r) {
  if (r.interact_ref.empty() || r.continue_uri.empty()) {
    finish(r, TipStatus::failed, "grant_lost", kGrantLost);
    return ContinueStep::stop;
  }
  if (const int left = continue_wait_left_ms(r); left > 0) {
    // The AS answers too_fast before continue.wait is over: come back then, freeing the worker.
    schedule(ReceiptCheck{r.id, left, 0, 0, true});
    return ContinueStep::scheduled;
  }
  // Intent: from here on the AS may issue the token; a restart that finds this without a token
  // knows the continue may have been answered (grant_lost if the AS then refuses a second one).
  if (r.continue_sent_ns == 0) {
    r.continue_sent_ns = timeutil::now_ns();
    if (!save(r)) return ContinueStep::stop;
  }
  // wait 1: continue.wait was honoured, so a too_fast can only be clock skew: retry soon.
  openpayments::Continuation c{r.continue_uri, r.continue_token, r.continue_after_ns > 0 ? 1 : 0};
  std::optional<openpayments::Grant> grant;
  openpayments::OpError err;
  for (int attempt = 0; attempt < std::max(1, opts_.max_continue_attempts); ++attempt) {
    auto g = wallet_.continue_grant(c, r.interact_ref);
    if (g) {
      grant = *g;
      break;
    }
    err = g.error();
    if (err.code != "too_fast" && err.http_status != 0 && err.http_status < 500) break;
    if (!sleep_ms(std::max(1, err.wait_seconds) * 1000)) return ContinueStep::stop;
  }
  if (grant && grant->access_token) {
    if (crash_here("continued", r.id)) return ContinueStep::stop;
    // Stored in the very next step: the only window left is this one local write.
    r.op_token = grant->access_token->value;
    r.op_manage = grant->access_token->manage;
    if (grant->continuation) {
      r.continue_uri = grant->continuation->uri;
      r.continue_token = grant->continuation->token;
    }
    if (!save(r)) return ContinueStep::stop;  // stays processing; recovery retries
    if (crash_here("token", r.id)) return ContinueStep::stop;
    return ContinueStep::go_on;
  }
  if (!grant && err.http_status == 401 && err.code == "request_denied")
    // The approval was verified (finish hash), so the AS refusing to continue means the grant was
    // already continued: its token was issued but never stored (a crash). finish() cancels the
    // grant, which revokes that token; nothing can have been paid with it.
    finish(r, TipStatus::failed, "grant_lost", kGrantLost);
  else
    finish(r, TipStatus::failed, "grant_not_issued",
           "the wallet did not issue the payment permission" + (grant ? std::string() : ": " + err.message()));
  return ContinueStep::stop;
}

}  // namespace wm::tips
