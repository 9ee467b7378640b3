// SupportService: one payment, exactly once (see support_service.h "Exactly once").
#include "core/log.h"
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

bool expired_token(const op::OpError& e) { return e.http_status == 401; }

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
  if (e.http_status == 400) {
    // The quote was refused: a quote pays once, so it may have paid already (a crash between the
    // wallet's answer and our commit). Counted as sent: never paid twice; `paid` shows what the
    // streamer's incoming payment confirms.
    log::warn("support: the quote in flight was refused; counted as sent", {{"support", r.id}, {"code", e.code}});
    record_sent(r.id, nullptr);
    return true;
  }
  log::info("support: payment not answered; the same quote is tried again next interval",
            {{"support", r.id}, {"code", e.code}, {"http_status", std::to_string(e.http_status)}});
  return false;
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
  (void)store_.update(id, [&](SupportRecord& x) {
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
