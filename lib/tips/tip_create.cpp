// TipService::create: a tip request becomes an incoming payment at the streamer's wallet, a quote
// and an interactive outgoing-payment grant at the viewer's wallet (see tip_service.h).
#include <algorithm>

#include "core/crypto.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "openpayments/errors.h"
#include "tips/tiers.h"
#include "tips/tip_cancel.h"
#include "tips/tip_service.h"

namespace wm::tips {

namespace {

using json = nlohmann::json;
using C = TipErrorCode;
using openpayments::OpError;
using openpayments::Step;

// A failed wallet request as the viewer reads it (openpayments/errors.h: a sentence with the next
// step, nothing the wallet wrote); the technical detail goes to the log only. The viewer's wallet
// not answering is wallet_unreachable; otherwise this call site's code.
TipError wallet_error(const OpError& e, Step step, TipErrorCode code) {
  const auto p = openpayments::for_person(e, step);
  log::info("tip not created: a wallet request failed",
            {{"reason", p.reason}, {"http_status", std::to_string(e.http_status)}, {"code", e.code}});
  const bool viewer = step == Step::viewer_wallet || step == Step::viewer_quote || step == Step::viewer_payment_grant;
  if (viewer && p.fault == openpayments::Fault::unreachable) return {C::wallet_unreachable, p.message};
  return {code, p.message};
}

// A grant answered without what we asked for (no token, no interaction): the wallet's refusal.
OpError incomplete_grant() { return OpError{0, "invalid_response", "", "", 0}; }

nlohmann::ordered_json tip_metadata(const std::string& id) {
  return nlohmann::ordered_json{{"tipId", id}, {"description", "Tip via owncast-wm"}};
}

}  // namespace

// Drops the idempotency key from the in-flight set when create() returns.
struct TipService::IdemGuard {
  TipService* s;
  std::string key;
  ~IdemGuard() {
    if (key.empty()) return;
    std::lock_guard<std::mutex> lock(s->mu_);
    s->idem_in_flight_.erase(key);
  }
};

Result<openpayments::WalletAddress, TipError> TipService::streamer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (streamer_) return *streamer_;
  }
  auto w = wallet_.get_wallet_address(openpayments::wallet_address_url(opts_.streamer_wallet));
  if (!w) return wallet_error(w.error(), Step::streamer_wallet, C::streamer_wallet_unreachable);
  std::lock_guard<std::mutex> lock(mu_);
  streamer_ = *w;
  return *w;
}

Result<std::optional<CreateResult>, TipError> TipService::idempotent_replay(const std::string& idem,
                                                                            const std::string& body_hash) {
  auto existing = tips_.find_idempotent(idem);
  if (!existing) return TipError::internal(existing.error().code, existing.error().message);
  if (*existing) {
    auto r = load(**existing);
    if (!r) return r.error();
    if (r->idempotency_hash != body_hash)
      return TipError{C::idempotency_key_reused, "this Idempotency-Key was used with a different request body"};
    return std::optional<CreateResult>(CreateResult{*r, true});
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!idem_in_flight_.insert(idem).second)
    return TipError{C::idempotency_in_progress, "a request with this Idempotency-Key is still being processed"};
  return std::optional<CreateResult>();
}

Result<CreateResult, TipError> TipService::create(const CreateRequest& req) {
  if (!req.body.is_object()) return TipError{C::invalid_request, "the body must be a JSON object"};
  // Idempotency: same key + same body -> the same tip.
  std::string idem;
  const std::string body_hash = crypto::hex(crypto::sha256(req.body.dump()));
  if (!req.idempotency_key.empty()) {
    if (req.idempotency_key.size() > 255)
      return TipError{C::invalid_idempotency_key, "Idempotency-Key must be at most 255 characters"};
    idem = "k/" + crypto::hex(crypto::sha256(req.idempotency_key));
    auto replay = idempotent_replay(idem, body_hash);
    if (!replay) return replay.error();
    if (*replay) return **replay;
  }
  IdemGuard guard{this, idem};
  int retry = 0;
  if (!req.client_ip.empty() && rate_.limited("ip/" + req.client_ip, opts_.rate_per_ip, retry))
    return TipError{C::rate_limited, "too many tips from this address; try again later", retry};
  bool anonymous_allowed = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    anonymous_allowed = opts_.anonymous_allowed;
  }
  auto input = parse_tip_input(req.body, anonymous_allowed);
  if (!input) return input.error();
  auto created = create_tip(*input, req);
  if (!created) return created.error();
  TipRecord& r = created->tip;
  r.updated_ns = timeutil::now_ns();
  if (auto st = tips_.insert(r, idem); !st) {
    TipRecord copy = r;
    release_grants(copy);
    return TipError::internal(st.error().code, st.error().message);
  }
  log::info("tip created", {{"tip", r.id}});
  watch_expiry(r);
  return created;
}

// The tip's record up to the outgoing-payment grant (nothing stored yet).
Result<CreateResult, TipError> TipService::create_tip(const TipInput& in, const CreateRequest& req) {
  auto sw = streamer();
  if (!sw) return sw.error();
  auto amount = tip_amount(in, *sw);
  if (!amount) return amount.error();
  // The sender's wallet address, through the client (SSRF guard, dev hosts).
  auto sender = wallet_.get_wallet_address(openpayments::wallet_address_url(in.sender_wallet));
  if (!sender) return wallet_error(sender.error(), Step::viewer_wallet, C::invalid_wallet_address);
  auto rec = new_record(in, req, *sender, *amount);
  if (!rec) return rec.error();
  TipRecord& r = *rec;
  r.idempotency_hash = crypto::hex(crypto::sha256(req.body.dump()));
  r.streamer_auth_server = sw->auth_server;
  if (auto e = open_incoming_payment(r, *sw)) return *e;
  if (auto e = quote(r, *sender)) return *e;
  if (auto e = request_payment_grant(r, *sender)) return *e;
  return CreateResult{r, false};
}

Result<Amount, TipError> TipService::tip_amount(const TipInput& in, const openpayments::WalletAddress& w) {
  auto range = accepted_range(w);
  if (!range) return range.error();
  Amount amount;
  if (in.amount) {
    auto a = amount_from_json(*in.amount, w.asset_code, w.asset_scale);
    if (!a)
      return TipError{a.error().code == "asset_mismatch" ? C::asset_mismatch : C::invalid_amount,
                      a.error().message + " (amounts are what the streamer receives, in " + w.asset_code + ")"};
    amount = *a;
  } else if (in.tier_id) {
    auto res = resolve(store_, in.stream_id, w.asset_code, w.asset_scale);
    if (!res) return TipError::internal(res.error().code, res.error().message);
    bool found = false;
    for (const auto& tier : res->set.tiers)
      if (tier.id == *in.tier_id) {
        amount = tier.amount;
        found = true;
      }
    if (!found) return TipError{C::unknown_tier, "no tier with this tierId"};
  } else {
    return TipError{C::invalid_amount, "amount ({value, assetCode, assetScale}) or tierId is required"};
  }
  if (amount.asset_code != w.asset_code || amount.asset_scale != w.asset_scale)
    return TipError{C::asset_mismatch, "the amount must be in " + w.asset_code + " (the streamer's asset)"};
  auto above = openpayments::compare(amount, range->first), below = openpayments::compare(amount, range->second);
  if (!above || !below || *above < 0 || *below > 0)
    return TipError{C::amount_out_of_range, "the amount must be between " + openpayments::format_amount(range->first) +
                                                 " and " + openpayments::format_amount(range->second)};
  return amount;
}

Result<TipRecord, TipError> TipService::new_record(const TipInput& in, const CreateRequest& req,
                                                   const openpayments::WalletAddress& sender, const Amount& amount) {
  TipRecord r;
  // 128 random bits. The leading letter keeps ids from starting with '-' or '_': a CSV export
  // would neutralise a leading '-' (spreadsheet formulas) and change the id.
  r.id = "t" + crypto::random_token(16);
  int retry = 0;
  if (wallet_rate_.limited(sender.id, r.id, opts_.rate_per_wallet, retry))
    return TipError{C::rate_limited, "too many tips from this wallet; try again later", retry};
  r.status = TipStatus::awaiting_consent;
  r.stream_id = in.stream_id;
  r.sender_wallet = sender.id;
  r.sender_auth_server = sender.auth_server;
  r.sender_resource_server = sender.resource_server;
  r.message = in.message;
  r.display_name = in.display_name;
  r.anonymous = in.anonymous;
  r.amount = amount;
  r.created_ns = timeutil::now_ns();
  r.owncast_user_id = in.owncast_user_id;
  if (!req.viewer_session.empty()) r.creator_session_hash = creator_hash(kViewerSessionCredential, req.viewer_session);
  if (!req.idempotency_key.empty()) r.creator_key_hash = creator_hash(kIdempotencyKeyCredential, req.idempotency_key);
  return r;
}

// 1. incoming-payment grant at the streamer's AS, 2. the incoming payment.
std::optional<TipError> TipService::open_incoming_payment(TipRecord& r, const openpayments::WalletAddress& sw) {
  openpayments::GrantRequest ig;
  ig.access.push_back({"incoming-payment", {"create", "read", "complete"}, std::nullopt, std::nullopt});
  auto g1 = wallet_.request_grant(sw.auth_server, ig);
  if (!g1 || !g1->access_token)
    return wallet_error(g1 ? incomplete_grant() : g1.error(), Step::streamer_payment, C::streamer_wallet_error);
  r.streamer_token = g1->access_token->value;
  r.streamer_manage = g1->access_token->manage;
  openpayments::IncomingPaymentRequest ipr;
  ipr.wallet_address = sw.id;
  ipr.incoming_amount = r.amount;
  ipr.metadata = tip_metadata(r.id);
  auto ip = wallet_.create_incoming_payment(sw.resource_server, r.streamer_token, ipr);
  if (!ip) {
    release_grants(r);
    return wallet_error(ip.error(), Step::streamer_payment, C::streamer_wallet_error);
  }
  r.incoming_payment_id = ip->id;
  return std::nullopt;
}

// 3. quote grant + quote at the sender's wallet; the quote must deliver the whole tip.
std::optional<TipError> TipService::quote(TipRecord& r, const openpayments::WalletAddress& sender) {
  openpayments::GrantRequest qg;
  qg.access.push_back({"quote", {"create", "read"}, std::nullopt, std::nullopt});
  auto g2 = wallet_.request_grant(sender.auth_server, qg);
  if (!g2 || !g2->access_token) {
    release_grants(r);
    return wallet_error(g2 ? incomplete_grant() : g2.error(), Step::viewer_quote, C::cannot_pay);
  }
  r.quote_token = g2->access_token->value;
  r.quote_manage = g2->access_token->manage;
  openpayments::QuoteRequest qr;
  qr.wallet_address = sender.id;
  qr.receiver = r.incoming_payment_id;
  auto q = wallet_.create_quote(sender.resource_server, r.quote_token, qr);
  if (!q) {
    release_grants(r);
    return wallet_error(q.error(), Step::viewer_quote, C::cannot_pay);
  }
  if (auto c = openpayments::compare(q->receive_amount, r.amount); !c || *c < 0) {
    release_grants(r);
    return TipError{C::cannot_pay,
                    "Your wallet's price wouldn't deliver the full tip to the streamer. Nothing was charged. Try again, "
                    "or tip from another wallet."};
  }
  r.quote_id = q->id;
  r.quote_expires_at = q->expires_at.value_or("");
  r.debit_amount = q->debit_amount;
  r.receive_amount = q->receive_amount;
  return std::nullopt;
}

// 4. interactive outgoing-payment grant limited to exactly this quote.
std::optional<TipError> TipService::request_payment_grant(TipRecord& r, const openpayments::WalletAddress& sender) {
  openpayments::GrantRequest og;
  openpayments::OutgoingLimits limits;
  limits.debit_amount = r.debit_amount;
  limits.receiver = r.incoming_payment_id;
  og.access.push_back({"outgoing-payment", {"create", "read"}, sender.id, limits});
  r.nonce = openpayments::new_nonce();
  og.interact = openpayments::InteractRequest{opts_.callback_url ? opts_.callback_url(r.id) : std::string(), r.nonce};
  auto g3 = wallet_.request_grant(sender.auth_server, og);
  if (!g3 || !g3->interact_redirect || !g3->interact_finish || !g3->continuation) {
    release_grants(r);
    return wallet_error(g3 ? incomplete_grant() : g3.error(), Step::viewer_payment_grant, C::cannot_pay);
  }
  r.consent_url = *g3->interact_redirect;
  r.interact_finish = *g3->interact_finish;
  r.continue_uri = g3->continuation->uri;
  r.continue_token = g3->continuation->token;
  // GNAP continue.wait counts from the grant response; measured after it arrived, never early.
  r.continue_after_ns = timeutil::now_ns() + int64_t{std::max(0, g3->continuation->wait)} * 1000000000;
  return std::nullopt;
}

Result<std::pair<Amount, Amount>, TipError> TipService::accepted_range(const openpayments::WalletAddress& w) {
  std::string min_s, max_s;
  uint64_t min_u = 1, max_u = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    min_s = opts_.min_amount;
    max_s = opts_.max_amount;
    min_u = opts_.min_units;
    max_u = opts_.max_units;
  }
  auto range = tip_range(min_s, max_s, w.asset_code, w.asset_scale);
  if (!range) return TipError{C::not_configured, "tips are misconfigured: " + range.error().message};
  if (min_s.empty() && min_u > 1)
    if (auto a = openpayments::make_amount(min_u, w.asset_code, w.asset_scale)) range->first = *a;
  if (max_s.empty() && max_u > 0)
    if (auto a = openpayments::make_amount(max_u, w.asset_code, w.asset_scale)) range->second = *a;
  if (auto c = openpayments::compare(range->first, range->second); !c || *c > 0)
    return TipError{C::not_configured,
                    "tips are misconfigured: the minimum tip (" + openpayments::format_amount(range->first) +
                        ") is larger than the maximum (" + openpayments::format_amount(range->second) + ")"};
  return *range;
}

}  // namespace wm::tips
