// TipService's workers: the processing half of the state machine (continue the grant, pay, verify
// the receipt) and start-up recovery (see tip_service.h).
#include <algorithm>
#include <chrono>

#include "core/log.h"
#include "core/timeutil.h"
#include "openpayments/errors.h"
#include "tips/tip_service.h"

namespace wm::tips {

namespace {

using openpayments::OpError;
using openpayments::Step;
using S = TipStatus;

bool received_enough(const openpayments::IncomingPayment& ip, const Amount& amount) {
  if (!ip.received_amount) return false;
  auto c = openpayments::compare(*ip.received_amount, amount);
  return c && *c >= 0;
}

bool has_secrets(const TipRecord& r) {
  return !r.op_token.empty() || !r.streamer_token.empty() || !r.quote_token.empty() || !r.continue_uri.empty();
}

constexpr const char* kPaymentFailed = "your wallet could not send the payment (insufficient funds?)";

}  // namespace

void TipService::enqueue(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || !queued_.insert(id).second) return;
    queue_.push_back(id);
  }
  cv_.notify_all();
}

void TipService::schedule(ReceiptCheck c) {
  const auto due = std::chrono::steady_clock::now() + std::chrono::milliseconds(c.delay_ms);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;  // stays processing; recover() resumes it at the next start
    checks_.emplace(due, std::move(c));
  }
  cv_.notify_all();  // all: a worker in sleep_ms() shares cv_ and would swallow a single wake-up
}

void TipService::worker() {
  for (;;) {
    std::string id;
    std::optional<ReceiptCheck> check;
    {
      std::unique_lock<std::mutex> lock(mu_);
      for (;;) {
        if (stopping_) return;
        const auto now = std::chrono::steady_clock::now();
        if (!checks_.empty() && checks_.begin()->first <= now) {
          check = std::move(checks_.begin()->second);
          checks_.erase(checks_.begin());
          id = check->id;
          break;
        }
        if (!queue_.empty()) {
          id = queue_.front();
          queue_.pop_front();
          break;
        }
        if (checks_.empty()) {
          cv_.wait(lock);
        } else {
          const auto due = checks_.begin()->first;  // a copy: another worker may erase the entry
          cv_.wait_until(lock, due);
        }
      }
    }
    bool scheduled = false;
    try {
      scheduled = check && !check->resume ? check_receipt(*check) : process(id);
    } catch (const std::exception& e) {
      log::error("tip: worker failed", {{"tip", id}, {"error", e.what()}});
    }
    if (!scheduled) {
      std::lock_guard<std::mutex> lock(mu_);
      queued_.erase(id);
    }
    settled_cv_.notify_all();
  }
}

Result<std::optional<openpayments::IncomingPayment>, Error> TipService::read_incoming(TipRecord& r) {
  auto ip = wallet_.get_incoming_payment(r.incoming_payment_id, r.streamer_token);
  if (!ip && (ip.error().http_status == 401 || ip.error().http_status == 403)) {
    // Token expired (e.g. after a long outage): a fresh read grant at the streamer's AS.
    openpayments::GrantRequest g;
    g.access.push_back({"incoming-payment", {"read"}, std::nullopt, std::nullopt});
    auto gr = wallet_.request_grant(r.streamer_auth_server, g);
    if (gr && gr->access_token) {
      r.streamer_token = gr->access_token->value;
      r.streamer_manage = gr->access_token->manage;
      (void)save(r);
      ip = wallet_.get_incoming_payment(r.incoming_payment_id, r.streamer_token);
    }
  }
  if (!ip) return Error{ip.error().code, ip.error().message()};
  return std::optional<openpayments::IncomingPayment>(*ip);
}

bool TipService::process(const std::string& id) {
  auto loaded = load(id);
  if (!loaded || loaded->status != S::processing) return false;
  TipRecord r = *loaded;
  const bool attempted_before = r.payment_attempted;

  // Continue the grant (after continue.wait), store the token (tip_settle.cpp).
  if (r.op_token.empty()) {
    const ContinueStep step = continue_grant(r);
    if (step != ContinueStep::go_on) return step == ContinueStep::scheduled;
  }
  if (r.outgoing_payment_id.empty())
    if (auto ended = pay(r, attempted_before)) return *ended;

  // Verified receipt: the streamer's incoming payment shows the amount. Checked from a schedule.
  schedule({id, opts_.poll_first_ms, timeutil::monotonic_ns() + int64_t{opts_.receipt_timeout_ms} * 1000000});
  return true;
}

// Create the outgoing payment from the quote. The wallet refuses a second creation (the quote is
// single-use and the grant's debit limit equals it), so a retry can never charge twice.
std::optional<bool> TipService::pay(TipRecord& r, bool attempted_before) {
  const std::string id = r.id;
  bool maybe_paid = attempted_before;
  OpError err;
  bool refused = false;
  for (int attempt = 0; attempt < 3 && r.outgoing_payment_id.empty(); ++attempt) {
    if (!r.payment_attempted) {
      r.payment_attempted = true;
      if (auto st = save(r); !st) return false;
      if (crash_here("attempted", id)) return false;
    }
    auto op = wallet_.create_outgoing_payment_from_quote(
        r.sender_resource_server, r.op_token, r.sender_wallet, r.quote_id,
        nlohmann::ordered_json{{"tipId", r.id}, {"description", "Tip via owncast-wm"}});
    if (op) {
      if (crash_here("payment_unrecorded", id)) return false;
      r.outgoing_payment_id = op->id;
      if (auto st = save(r); !st) return false;
      if (crash_here("payment", id)) return false;
      if (op->failed) return finish(r, S::failed, "payment_failed", kPaymentFailed);
      break;
    }
    err = op.error();
    maybe_paid = maybe_paid || attempt > 0 || err.http_status == 0;
    if (err.http_status == 0 || err.http_status >= 500) {
      if (!sleep_ms(opts_.retry_base_ms * (attempt + 1))) return false;
      continue;
    }
    refused = true;
    break;
  }
  if (r.outgoing_payment_id.empty() && !maybe_paid) {
    // First attempt refused: nothing was sent.
    if (err.description.find("quote") != std::string::npos)
      return finish(r, S::expired, "quote_expired", "the quote expired before the payment was made; please try again");
    return finish(r, S::failed, refused ? "payment_refused" : "wallet_unreachable",
                  openpayments::for_person(err, Step::viewer_payment).message);
  }
  // Otherwise it may have been made by an earlier attempt (refused now: the guard): the receipt decides.
  if (r.outgoing_payment_id.empty())
    log::info("tip: payment may already exist, checking the receipt", {{"tip", r.id}, {"refusal", err.message()}});
  return std::nullopt;
}

bool TipService::check_receipt(const ReceiptCheck& c) {
  auto loaded = load(c.id);
  if (!loaded || loaded->status != S::processing) return false;
  TipRecord r = *loaded;
  if (!r.outgoing_payment_id.empty()) {
    auto op = wallet_.get_outgoing_payment(r.outgoing_payment_id, r.op_token);
    if (op && op->failed) return finish(r, S::failed, "payment_failed", kPaymentFailed);
  }
  auto ip = read_incoming(r);
  if (ip && *ip && received_enough(**ip, r.amount)) {
    if (crash_here("receipt", c.id)) return false;
    return finish(r, S::completed, "", "");
  }
  if (timeutil::monotonic_ns() > c.deadline_ns)
    return finish(r, S::failed, "receipt_timeout",
                  "the streamer's wallet did not confirm receipt in time; if you were charged, contact the streamer");
  // The first five checks come poll_first_ms apart (a payment usually lands within a few hundred
  // ms), then each wait is 1.5x the one before, up to poll_max_ms.
  const int next = c.checks < 4 ? c.delay_ms : std::min(opts_.poll_max_ms, c.delay_ms * 3 / 2 + 1);
  schedule({c.id, next, c.deadline_ns, c.checks + 1});
  return true;
}

void TipService::recover() {
  std::vector<TipRecord> all = tips_.load_all();
  for (auto& r : all) {
    if (r.status == S::processing) {
      log::info("tip: resuming", {{"tip", r.id}});
      enqueue(r.id);
    } else if (r.status == S::awaiting_consent && quote_expired(r, timeutil::now_ns())) {
      finish(r, S::expired, "quote_expired", "the quote expired before the payment was approved");
    } else if (r.status == S::awaiting_consent) {
      watch_expiry(r);
    } else if (is_final(r.status) && (has_secrets(r) || r.notify_pending)) {
      log::info("tip: finishing an interrupted settlement", {{"tip", r.id}, {"status", std::string(to_string(r.status))}});
      settle(r);
    }
  }
}

}  // namespace wm::tips
