// SupportService: one payment, exactly once (see support_service.h "Exactly once").
#include <cctype>

#include "core/log.h"
#include "core/text.h"
#include "support/support_service.h"

namespace wm::support {

namespace op = openpayments;
using S = SupportStatus;

namespace {

Amount units_of(uint64_t units, const Amount& asset) {
  Amount a = asset;
  a.units = units;
  return a;
}

// A token the wallet no longer accepts: 401, or Rafiki's 403 "Inactive Token" (an access token's
// life is 10 minutes there). Any other 403 is the grant's refusal (e.g. its limit).
bool expired_token(const op::OpError& e) {
  if (e.http_status == 401) return true;
  if (e.http_status != 403) return false;
  std::string d = e.description;
  for (auto& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return d.find("inactive") != std::string::npos;
}

}  // namespace

// A token the wallet no longer accepts (expired) is rotated once and stored; false when that fails.
bool SupportService::rotate(const std::string& id, TokenKind kind) {
  auto r = store_.load(id);
  if (!r) return false;
  std::string& value = kind == TokenKind::op ? r->op_token : kind == TokenKind::quote ? r->quote_token : r->streamer_token;
  std::string& manage = kind == TokenKind::op ? r->op_manage : kind == TokenKind::quote ? r->quote_manage : r->streamer_manage;
  auto t = wallet_.rotate_token({value, manage, std::nullopt, {}});
  if (!t) {
    log::warn("support: token rotation failed", {{"support", id}, {"code", t.error().code}});
    return false;
  }
  auto saved = store_.update(id, [&](SupportRecord& x) {
    (kind == TokenKind::op ? x.op_token : kind == TokenKind::quote ? x.quote_token : x.streamer_token) = t->value;
    (kind == TokenKind::op ? x.op_manage : kind == TokenKind::quote ? x.quote_manage : x.streamer_manage) = t->manage;
    return true;
  });
  return saved.ok();
}

void SupportService::pay(SupportRecord r) {
  const uint64_t p = pending(r);
  auto committed = store_.update(r.id, [&](SupportRecord& x) {
    x.in_flight = InFlight{x.payments + 1, p, "intent", "", 0};
    return true;
  });
  if (!committed || crash("support_intent", r.id)) return;
  op::QuoteRequest q;
  q.wallet_address = r.sender_wallet;
  q.receiver = r.incoming_payment_id;
  q.receive_amount = units_of(p, r.rate);
  auto quote = wallet_.create_quote(r.sender_resource_server, r.quote_token, q);
  if (!quote && expired_token(quote.error()) && rotate(r.id, TokenKind::quote))
    if (auto again = store_.load(r.id)) quote = wallet_.create_quote(r.sender_resource_server, again->quote_token, q);
  const bool delivers = quote && quote->receive_amount.asset_code == r.rate.asset_code &&
                        quote->receive_amount.units >= p && quote->receive_amount.units > 0;
  if (!delivers) {
    // Undeliverable now (the wallet's minimum, fees, a refusal): carried, tried again next interval.
    log::info("support: interval carried as pending", {{"support", r.id}, {"code", quote ? "short" : quote.error().code}});
    (void)store_.update(r.id, [&](SupportRecord& x) {
      x.in_flight.reset();
      x.pending_reason = quote ? "receives_too_little" : "quote_failed";
      return true;
    });
    return;
  }
  auto quoted = store_.update(r.id, [&](SupportRecord& x) {
    if (!x.in_flight) return false;
    x.in_flight->stage = "quoted";
    x.in_flight->quote_id = quote->id;
    x.in_flight->debit_units = quote->debit_amount.units;
    return true;
  });
  if (!quoted || !quoted->in_flight || crash("support_quoted", r.id)) return;
  (void)resolve_in_flight(*quoted);
}

// Sends (or re-sends) the payment in flight. true: nothing in flight any more and the session
// may pay what is pending; false: try again next interval, or the session stopped paying.
bool SupportService::resolve_in_flight(SupportRecord& r) {
  if (!r.in_flight) return true;
  if (r.in_flight->stage != "quoted") {  // intent only: nothing was sent
    auto cleared = store_.update(r.id, [](SupportRecord& x) {
      x.in_flight.reset();
      return true;
    });
    if (cleared) r = *cleared;
    return cleared.ok();
  }
  const nlohmann::ordered_json meta{{"supportId", r.id}, {"payment", r.in_flight->seq},
                                    {"description", "Streaming support via owncast-wm"}};
  auto sent = wallet_.create_outgoing_payment(r.sender_resource_server, r.op_token, r.sender_wallet,
                                              r.in_flight->quote_id, meta);
  if (!sent && expired_token(sent.error()) && rotate(r.id, TokenKind::op))
    if (auto again = store_.load(r.id))
      sent = wallet_.create_outgoing_payment(r.sender_resource_server, again->op_token, r.sender_wallet,
                                             r.in_flight->quote_id, meta);
  if (sent && sent->failed) {  // the wallet refused to move the money (e.g. balance): nothing sent
    clear_in_flight(r.id, "payment_failed");
    return true;
  }
  if (sent) {
    if (crash("support_sent_unrecorded", r.id)) return false;
    record_sent(r.id, &*sent);
    if (crash("support_sent", r.id)) return false;
    return true;
  }
  const auto& e = sent.error();
  if (e.http_status == 403) {
    record_limit(r.id);
    return false;
  }
  if (e.http_status == 400) return settle_refused_quote(r);
  log::info("support: payment not answered; the same quote is tried again next interval",
            {{"support", r.id}, {"code", e.code}, {"http_status", std::to_string(e.http_status)}});
  return false;
}

// The quote in flight was refused (400). A quote pays at most once and the payment takes the
// quote's id (Rafiki; the sandbox): that payment is read. Found -> it was sent (a crash between the
// wallet's answer and our commit): recorded once. 404 -> never sent (the quote expired while we were
// down): cleared, the amount stays pending and is quoted again. Otherwise: asked again next interval.
bool SupportService::settle_refused_quote(SupportRecord& r) {
  const std::string q = r.in_flight->quote_id;
  const std::string url = text::without_trailing_slashes(r.sender_resource_server) + "/outgoing-payments/" +
                          q.substr(q.find_last_of('/') + 1);
  auto o = wallet_.get_outgoing_payment(url, r.op_token);
  if (!o && expired_token(o.error()) && rotate(r.id, TokenKind::op))
    if (auto again = store_.load(r.id)) o = wallet_.get_outgoing_payment(url, again->op_token);
  if (o && !o->failed) {
    log::info("support: the quote in flight had paid; recorded once", {{"support", r.id}});
    record_sent(r.id, &*o);
    return true;
  }
  if (o || o.error().http_status == 404) {
    log::info("support: the quote in flight never paid; the amount is quoted again", {{"support", r.id}});
    clear_in_flight(r.id, o ? "payment_failed" : "quote_expired");
    return true;
  }
  log::info("support: the refused quote's payment could not be read; asked again next interval",
            {{"support", r.id}, {"code", o.error().code}});
  return false;
}

void SupportService::clear_in_flight(const std::string& id, const char* reason) {
  (void)store_.update(id, [&](SupportRecord& x) {
    if (!x.in_flight) return false;
    x.in_flight.reset();
    x.pending_reason = reason;
    return true;
  });
}

// The wallet's view of what the session's grant spent in its current window; nullopt: unknown.
std::optional<uint64_t> SupportService::wallet_spent(const std::string& id) {
  auto r = store_.load(id);
  if (!r) return std::nullopt;
  auto s = wallet_.grant_spent(r->sender_resource_server, r->op_token);
  if (!s && expired_token(s.error()) && rotate(id, TokenKind::op))
    if (auto again = store_.load(id)) s = wallet_.grant_spent(again->sender_resource_server, again->op_token);
  if (!s || !*s) return std::nullopt;
  return (*s)->units;
}

// limit_reached: the wallet's clock decides when its next period begins. Once per interval its
// grant's spent amount is read (never a payment attempt); below what it was at the limit -> paused
// (heartbeats make it active), nothing else changes.
void SupportService::check_new_period(const std::string& id) {
  auto spent = wallet_spent(id);
  if (!spent) return;  // unknown: our own clock's next period resumes it (accrue)
  const int64_t t = now();
  auto r = store_.update(id, [&](SupportRecord& x) {
    if (x.status != S::limit_reached || *spent >= x.limit_spent_units) return false;
    x.status = S::paused;
    x.pending_reason.clear();
    x.spent_debit_units = *spent;
    x.spent_period = period_of(x, t);
    return true;
  });
  if (r && r->status == S::paused) log::info("support: the wallet's next period began; resumed", {{"support", id}});
}

void SupportService::record_sent(const std::string& id, const op::OutgoingPayment* o) {
  const int64_t t = now();
  Amount paid_now;
  auto r = store_.update(id, [&](SupportRecord& x) {
    if (!x.in_flight) return false;
    const int64_t period = period_of(x, t);
    if (x.spent_period != period) x.spent_debit_units = 0;
    x.spent_period = period;
    if (o && o->grant_spent_debit_amount) x.spent_debit_units = o->grant_spent_debit_amount->units;
    else x.spent_debit_units += x.in_flight->debit_units;
    x.sent_receive_units += x.in_flight->receive_units;
    paid_now = units_of(x.in_flight->receive_units, x.rate);
    x.payments += 1;
    x.last_payment_ns = t;
    x.pending_reason.clear();
    x.in_flight.reset();
    return true;
  });
  if (!r) return;
  refresh_received(id);
  if (auto after = store_.load(id)) emit(NoteKind::payment, *after, paid_now);
}

void SupportService::record_limit(const std::string& id) {
  const int64_t t = now();
  const uint64_t at_limit = wallet_spent(id).value_or(0);  // 0: unknown (only our clock resumes)
  (void)store_.update(id, [&](SupportRecord& x) {
    x.limit_spent_units = at_limit;
    x.in_flight.reset();  // the wallet refused: nothing was sent with this quote
    x.status = S::limit_reached;
    x.limit_period = period_of(x, t);
    x.pending_reason = "limit_reached";
    return true;
  });
  log::info("support: the grant's limit for this period is reached", {{"support", id}});
}

void SupportService::refresh_received(const std::string& id) {
  auto r = store_.load(id);
  if (!r) return;
  auto ip = wallet_.get_incoming_payment(r->incoming_payment_id, r->streamer_token);
  if (!ip && expired_token(ip.error()) && rotate(id, TokenKind::streamer))
    if (auto again = store_.load(id)) ip = wallet_.get_incoming_payment(r->incoming_payment_id, again->streamer_token);
  if (!ip || !ip->received_amount) return;
  const uint64_t got = ip->received_amount->units;
  (void)store_.update(id, [&](SupportRecord& x) {
    if (x.received_units == got) return false;
    x.received_units = got;
    return true;
  });
}

}  // namespace wm::support
