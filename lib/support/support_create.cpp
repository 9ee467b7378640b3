// SupportService: creation and consent (see support_service.h).
#include <algorithm>
#include <chrono>
#include <thread>

#include "core/crypto.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "support/support_service.h"
#include "tips/tiers.h"

namespace wm::support {

namespace {

using json = nlohmann::json;
using C = SupportErrorCode;
namespace op = openpayments;

using json_util::str;

SupportError wallet_error(const op::OpError& e, C kind, const std::string& what) {
  log::info("support not created: a wallet request failed",
            {{"step", what}, {"http_status", std::to_string(e.http_status)}, {"code", e.code}});
  if (e.http_status == 0 && kind != C::streamer_wallet_error)
    return {C::wallet_unreachable, "wallet_unreachable",
            "Your wallet did not answer (" + what + "). Nothing was charged; try again in a moment."};
  return {kind, kind == C::streamer_wallet_error ? "streamer_wallet_error" : "wallet_error",
          "The wallet refused a request (" + what + "). Nothing was charged; check the wallet address or try another wallet."};
}


}  // namespace

Result<std::vector<Preset>> parse_presets(std::string_view setting, const std::string& asset_code, int asset_scale) {
  static constexpr const char* kIds[] = {"low", "medium", "high"};
  const std::string text(setting.empty() ? kDefaultPresets : setting);
  auto bad = [](const std::string& m) { return Error{"invalid_presets", m}; };
  auto max = openpayments::parse_decimal(std::string(kMaxRate), asset_code, asset_scale);
  std::vector<Preset> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (out.size() == 3) return bad("at most 3 presets (low, medium, high), separated by commas");
    auto a = openpayments::parse_decimal(item, asset_code, asset_scale);
    if (!a) return bad("preset " + std::to_string(out.size() + 1) + " ('" + item.substr(0, 20) + "'): " + a.error().message);
    if (a->units == 0) return bad("preset " + std::to_string(out.size() + 1) + " must be more than zero");
    if (max && a->units > max->units)
      return bad("preset " + std::to_string(out.size() + 1) + " must be at most " + op::format_amount(*max) + " per hour");
    out.push_back({kIds[out.size()], *a});
    start = comma + 1;
  }
  return out;
}

Result<Amount> preset_rate(std::string_view id, const std::string& asset_code, int asset_scale, std::string_view setting) {
  auto list = parse_presets(setting, asset_code, asset_scale);
  if (!list) list = parse_presets({}, asset_code, asset_scale);  // a stored value that no longer fits the asset
  if (!list) return list.error();
  std::string ids;
  for (const auto& p : *list) {
    if (p.id == id) return p.rate;
    ids += (ids.empty() ? "" : ", ") + p.id + " (" + op::format_amount(p.rate) + ")";
  }
  return Error{"unknown_preset", "presetId must be one of: " + ids + " per hour"};
}

Result<SupportInput, SupportError> parse_support_input(const json& body) {
  if (!body.is_object()) return SupportError{C::invalid_request, "invalid_request", "the body must be a JSON object"};
  SupportInput in;
  in.sender_wallet = str(body, "senderWalletAddress");
  if (in.sender_wallet.empty() || in.sender_wallet.size() > 512)
    return SupportError{C::invalid_wallet_address, "invalid_wallet_address",
                        "senderWalletAddress is required: your wallet address, e.g. https://wallet.example/alice"};
  if (body.contains("rate")) in.rate = body["rate"];
  in.preset_id = str(body, "presetId");
  if (!in.rate && in.preset_id.empty())
    return SupportError{C::invalid_rate, "invalid_rate", "rate ({value, assetCode, assetScale} per hour) or presetId is required"};
  in.display_name = str(body, "displayName").substr(0, 64);
  in.owncast_user_id = str(body, "owncastUserId").substr(0, 64);
  in.anonymous = body.value("anonymous", false) == true;
  return in;
}

SupportService::SupportService(store::Store& store, openpayments::Client& client, SupportOptions opts)
    : SupportService(store, *new SupportOpenPayments(client), std::move(opts)) {
  owned_.reset(&wallet_);
}

Result<op::WalletAddress, SupportError> SupportService::streamer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (streamer_) return *streamer_;
  }
  auto w = wallet_.get_wallet_address(op::wallet_address_url(opts_.streamer_wallet));
  if (!w) return wallet_error(w.error(), C::streamer_wallet_error, "the streamer's wallet");
  std::lock_guard<std::mutex> lock(mu_);
  streamer_ = *w;
  return *w;
}

Result<Amount, SupportError> SupportService::rate_of(const SupportInput& in, const op::WalletAddress& w) {
  auto bad = [&](const std::string& m) { return SupportError{C::invalid_rate, "invalid_rate", m}; };
  Result<Amount> a = Error{};
  if (in.rate) a = op::parse_amount(*in.rate);
  else a = preset_rate(in.preset_id, w.asset_code, w.asset_scale, opts_.presets ? opts_.presets() : std::string());
  if (!a) {
    if (a.error().code == "unknown_preset") return SupportError{C::unknown_preset, "unknown_preset", a.error().message};
    return bad("rate must be an amount {value, assetCode, assetScale}: " + a.error().message);
  }
  if (a->asset_code != w.asset_code || a->asset_scale != w.asset_scale)
    return bad("the rate must be in " + w.asset_code + " at scale " + std::to_string(w.asset_scale) + " (the streamer's asset)");
  if (a->units == 0) return bad("the rate must be more than zero");
  auto max = openpayments::parse_decimal(std::string(kMaxRate), w.asset_code, w.asset_scale);
  if (max && a->units > max->units) return bad("the rate must be at most " + op::format_amount(*max) + " per hour");
  return *a;
}

Result<SupportCreated, SupportError> SupportService::create(const json& body, const std::string& idempotency_key) {
  auto in = parse_support_input(body);
  if (!in) return in.error();
  std::string idem;
  const std::string body_hash = crypto::hex(crypto::sha256(body.dump()));
  if (!idempotency_key.empty()) {
    if (idempotency_key.size() > 255)
      return SupportError{C::invalid_idempotency_key, "invalid_idempotency_key", "Idempotency-Key must be at most 255 characters"};
    idem = "k/" + crypto::hex(crypto::sha256(idempotency_key));
    auto existing = store_.find_idempotent(idem);
    if (!existing) return SupportError{C::internal, existing.error().code, existing.error().message};
    if (*existing) {
      auto r = store_.load(**existing);
      if (!r) return SupportError{C::internal, r.error().code, r.error().message};
      if (r->idempotency_hash != body_hash)
        return SupportError{C::idempotency_key_reused, "idempotency_key_reused", "this Idempotency-Key was used with a different request body"};
      return SupportCreated{*r, "", true};
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!idem_in_flight_.insert(idem).second)
      return SupportError{C::idempotency_in_progress, "idempotency_in_progress", "a request with this Idempotency-Key is still being processed"};
  }
  struct Guard {
    SupportService* s;
    std::string k;
    ~Guard() {
      std::lock_guard<std::mutex> lock(s->mu_);
      s->idem_in_flight_.erase(k);
    }
  } guard{this, idem};
  auto sw = streamer();
  if (!sw) return sw.error();
  auto rate = rate_of(*in, *sw);
  if (!rate) return rate.error();
  auto sender = wallet_.get_wallet_address(op::wallet_address_url(in->sender_wallet));
  if (!sender) return wallet_error(sender.error(), C::invalid_wallet_address, "your wallet address");
  SupportRecord r;
  r.id = "s" + crypto::random_token(16);
  r.rate = *rate;
  r.sender_wallet = sender->id;
  r.sender_auth_server = sender->auth_server;
  r.sender_resource_server = sender->resource_server;
  r.display_name = in->display_name;
  r.anonymous = in->anonymous;
  r.owncast_user_id = in->owncast_user_id;
  r.idempotency_hash = body_hash;
  r.created_ns = now();
  r.expires_ns = r.created_ns + kMaxLifeNs;
  r.streamer_auth_server = sw->auth_server;
  if (auto e = open_incoming(r)) return *e;
  if (auto e = quote_hour(r, *sender)) return *e;
  if (auto e = request_grant(r, *sender)) return *e;
  const std::string token = crypto::random_token(24);  // 192 random bits
  r.control_hash = crypto::hex(crypto::sha256(token));
  if (auto st = store_.insert(r, idem); !st) {
    release(r);
    return SupportError{C::internal, st.error().code, st.error().message};
  }
  log::info("support session created", {{"support", r.id}});
  return SupportCreated{r, token, false};
}

std::optional<SupportError> SupportService::open_incoming(SupportRecord& r) {
  auto sw = streamer();
  if (!sw) return sw.error();
  op::GrantRequest g;
  g.access.push_back({"incoming-payment", {"create", "read", "complete"}, std::nullopt, std::nullopt});
  auto grant = wallet_.request_grant(sw->auth_server, g);
  if (!grant || !grant->access_token)
    return wallet_error(grant ? op::OpError{} : grant.error(), C::streamer_wallet_error, "the streamer's wallet grant");
  r.streamer_token = grant->access_token->value;
  r.streamer_manage = grant->access_token->manage;
  op::IncomingPaymentRequest ipr;
  ipr.wallet_address = sw->id;
  ipr.expires_at = timeutil::format_rfc3339(r.expires_ns);
  ipr.metadata = nlohmann::ordered_json{{"supportId", r.id}, {"description", "Streaming support via owncast-wm"}};
  auto ip = wallet_.create_incoming_payment(sw->resource_server, r.streamer_token, ipr);
  if (!ip) {
    release(r);
    return wallet_error(ip.error(), C::streamer_wallet_error, "the streamer's incoming payment");
  }
  r.incoming_payment_id = ip->id;
  return std::nullopt;
}

std::optional<SupportError> SupportService::quote_hour(SupportRecord& r, const op::WalletAddress& sender) {
  op::GrantRequest g;
  g.access.push_back({"quote", {"create", "read"}, std::nullopt, std::nullopt});
  auto grant = wallet_.request_grant(sender.auth_server, g);
  if (!grant || !grant->access_token) {
    release(r);
    return wallet_error(grant ? op::OpError{} : grant.error(), C::wallet_error, "a quote grant");
  }
  r.quote_token = grant->access_token->value;
  r.quote_manage = grant->access_token->manage;
  op::QuoteRequest q;
  q.wallet_address = sender.id;
  q.receiver = r.incoming_payment_id;
  q.receive_amount = r.rate;
  auto quote = wallet_.create_quote(sender.resource_server, r.quote_token, q);
  if (!quote) {
    release(r);
    return wallet_error(quote.error(), C::wallet_error, "a quote for one hour");
  }
  r.hour_debit = quote->debit_amount;
  return std::nullopt;
}

std::optional<SupportError> SupportService::request_grant(SupportRecord& r, const op::WalletAddress& sender) {
  op::GrantRequest g;
  op::OutgoingLimits limits;
  limits.debit_amount = r.hour_debit;
  limits.receiver = r.incoming_payment_id;
  r.interval_start_ns = r.created_ns;
  r.interval = "R/" + timeutil::format_rfc3339(r.created_ns) + "/PT1H";
  limits.interval = r.interval;
  g.access.push_back({"outgoing-payment", {"create", "read"}, sender.id, limits});
  r.nonce = op::new_nonce();
  g.interact = op::InteractRequest{opts_.callback_url ? opts_.callback_url(r.id) : std::string(), r.nonce};
  auto grant = wallet_.request_grant(sender.auth_server, g);
  if (!grant || !grant->interact_redirect || !grant->interact_finish || !grant->continuation) {
    release(r);
    return wallet_error(grant ? op::OpError{} : grant.error(), C::wallet_error, "the payment grant");
  }
  r.consent_url = *grant->interact_redirect;
  r.interact_finish = *grant->interact_finish;
  r.continue_uri = grant->continuation->uri;
  r.continue_token = grant->continuation->token;
  return std::nullopt;
}

Result<SupportRecord, SupportError> SupportService::callback(const std::string& id, const std::string& query) {
  auto r = store_.load(id);
  if (!r) return SupportError{C::not_found, "not_found", "no support session with this id"};
  if (r->status != SupportStatus::awaiting_consent) return *r;
  auto fr = op::parse_finish_redirect("?" + query);
  using O = op::FinishRedirect::Outcome;
  if (fr.outcome != O::approved) {
    // No hash: anyone knowing the id could forge it, so the wallet must confirm the refusal.
    auto polled = wallet_.poll_grant({r->continue_uri, r->continue_token, 0});
    if (!polled || *polled != op::Client::PollState::denied)
      return SupportError{C::invalid_callback, "rejection_unconfirmed", "the wallet has not confirmed the refusal yet"};
    end(id, SupportStatus::denied, "denied", "the support was not approved in the wallet");
    return *store_.load(id);
  }
  if (!op::verify_interaction_hash(fr.hash, r->nonce, r->interact_finish, fr.interact_ref, r->sender_auth_server))
    return SupportError{C::invalid_hash, "invalid_hash", "the wallet's redirect could not be verified"};
  auto g = wallet_.continue_grant({r->continue_uri, r->continue_token, 0}, fr.interact_ref);
  if (!g && g.error().code == "too_fast") {  // GNAP continue.wait (a few seconds): wait once
    std::this_thread::sleep_for(std::chrono::seconds(std::clamp(g.error().wait_seconds, 1, 10)));
    g = wallet_.continue_grant({r->continue_uri, r->continue_token, 0}, fr.interact_ref);
  }
  if (!g || !g->access_token) {
    end(id, SupportStatus::failed, "grant_failed", "the wallet did not issue the approved grant; nothing was charged");
    return *store_.load(id);
  }
  const auto tok = *g->access_token;
  auto moved = store_.update(id, [&](SupportRecord& x) {
    if (x.status != SupportStatus::awaiting_consent) return false;
    x.status = SupportStatus::active;
    x.op_token = tok.value;
    x.op_manage = tok.manage;
    x.accrued_to_ns = now();
    return true;
  });
  if (!moved) return SupportError{C::internal, moved.error().code, moved.error().message};
  emit(NoteKind::started, *moved);
  return *moved;
}

}  // namespace wm::support
