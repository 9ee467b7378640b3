#include "tips/tip_service.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "core/crypto.h"
#include "core/json_limits.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "openpayments/errors.h"
#include "tips/tiers.h"
#include "tips/tip_cancel.h"

namespace wm::tips {

namespace {

using json = nlohmann::json;
using openpayments::OpError;
using openpayments::Step;

constexpr size_t kMaxMessageChars = 280;

size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool has_control(std::string_view s, bool allow_newline) {
  for (unsigned char c : s) {
    if (allow_newline && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Amount amt(const json& j, const char* k) {
  auto it = j.find(k);
  if (it == j.end() || it->is_null()) return {};
  auto a = openpayments::parse_amount(*it);
  return a ? *a : Amount{};
}

json amt_json(const Amount& a) {
  if (a.empty()) return nullptr;
  return openpayments::to_json(a);
}

int64_t now_ns() { return timeutil::now_ns(); }

bool quote_expired(const TipRecord& r) {
  if (r.quote_expires_at.empty()) return false;
  auto p = timeutil::parse_rfc3339(r.quote_expires_at);
  return p && !p->zero && p->unix_ns < now_ns();
}

bool has_secrets(const TipRecord& r) {
  return !r.op_token.empty() || !r.streamer_token.empty() || !r.quote_token.empty() || !r.continue_uri.empty();
}

// Final and fully settled: nothing left for settle() to do.
bool settled(const TipRecord& r) { return is_final(r.status) && !has_secrets(r) && !r.notify_pending; }

void release_secrets_copy(TipRecord& r) {
  r.op_token.clear();
  r.op_manage.clear();
  r.continue_uri.clear();
  r.continue_token.clear();
  r.streamer_token.clear();
  r.streamer_manage.clear();
  r.quote_token.clear();
  r.quote_manage.clear();
  r.nonce.clear();
}

bool received_enough(const openpayments::IncomingPayment& ip, const Amount& amount) {
  if (!ip.received_amount) return false;
  auto c = openpayments::compare(*ip.received_amount, amount);
  return c && *c >= 0;
}

// A failed wallet request as the viewer reads it (openpayments/errors.h: a sentence with the next
// step, nothing the wallet wrote); the technical detail goes to the log only. The viewer's wallet
// not answering is 502 wallet_unreachable; otherwise this call site's status and code.
TipError wallet_error(const OpError& e, Step step, int status, const char* code) {
  const auto p = openpayments::for_person(e, step);
  log::info("tip not created: a wallet request failed",
            {{"reason", p.reason}, {"http_status", std::to_string(e.http_status)}, {"code", e.code}});
  const bool viewer = step == Step::viewer_wallet || step == Step::viewer_quote || step == Step::viewer_payment_grant;
  if (viewer && p.fault == openpayments::Fault::unreachable) return {502, "wallet_unreachable", p.message};
  return {status, code, p.message};
}

// A grant answered without what we asked for (no token, no interaction): the wallet's refusal.
OpError incomplete_grant() { return OpError{0, "invalid_response", "", "", 0}; }

}  // namespace

bool valid_display_name(std::string_view name) {
  return utf8_chars(name) <= kMaxDisplayNameChars && !has_control(name, false);
}

bool is_final(const std::string& s) {
  return s == "completed" || s == "denied" || s == "failed" || s == "expired" || s == "cancelled";
}

json to_storage(const TipRecord& r) {
  return json{{"id", r.id},
              {"status", r.status},
              {"streamId", r.stream_id},
              {"senderWallet", r.sender_wallet},
              {"senderAuthServer", r.sender_auth_server},
              {"senderResourceServer", r.sender_resource_server},
              {"message", r.message},
              {"displayName", r.display_name},
              {"anonymous", r.anonymous},
              {"amount", amt_json(r.amount)},
              {"debitAmount", amt_json(r.debit_amount)},
              {"receiveAmount", amt_json(r.receive_amount)},
              {"quoteId", r.quote_id},
              {"quoteExpiresAt", r.quote_expires_at},
              {"incomingPaymentId", r.incoming_payment_id},
              {"streamerAuthServer", r.streamer_auth_server},
              {"streamerToken", r.streamer_token},
              {"streamerManage", r.streamer_manage},
              {"quoteToken", r.quote_token},
              {"quoteManage", r.quote_manage},
              {"continueUri", r.continue_uri},
              {"continueToken", r.continue_token},
              {"continueAfterNs", r.continue_after_ns},
              {"continueSentNs", r.continue_sent_ns},
              {"nonce", r.nonce},
              {"interactFinish", r.interact_finish},
              {"interactRef", r.interact_ref},
              {"opToken", r.op_token},
              {"opManage", r.op_manage},
              {"paymentAttempted", r.payment_attempted},
              {"outgoingPaymentId", r.outgoing_payment_id},
              {"notifyPending", r.notify_pending},
              {"consentUrl", r.consent_url},
              {"errorCode", r.error_code},
              {"errorMessage", r.error_message},
              {"createdNs", r.created_ns},
              {"updatedNs", r.updated_ns},
              {"idempotencyHash", r.idempotency_hash},
              {"owncastUserId", r.owncast_user_id},
              {"creatorSessionHash", r.creator_session_hash},
              {"creatorKeyHash", r.creator_key_hash}};
}

Result<TipRecord> from_storage(const json& j) {
  if (!j.is_object() || !j.contains("id")) return Error{"store_error", "unreadable tip record"};
  TipRecord r;
  r.id = str(j, "id");
  r.status = str(j, "status");
  r.stream_id = str(j, "streamId");
  r.sender_wallet = str(j, "senderWallet");
  r.sender_auth_server = str(j, "senderAuthServer");
  r.sender_resource_server = str(j, "senderResourceServer");
  r.message = str(j, "message");
  r.display_name = str(j, "displayName");
  r.anonymous = j.value("anonymous", false);
  r.amount = amt(j, "amount");
  r.debit_amount = amt(j, "debitAmount");
  r.receive_amount = amt(j, "receiveAmount");
  r.quote_id = str(j, "quoteId");
  r.quote_expires_at = str(j, "quoteExpiresAt");
  r.incoming_payment_id = str(j, "incomingPaymentId");
  r.streamer_auth_server = str(j, "streamerAuthServer");
  r.streamer_token = str(j, "streamerToken");
  r.streamer_manage = str(j, "streamerManage");
  r.quote_token = str(j, "quoteToken");
  r.quote_manage = str(j, "quoteManage");
  r.continue_uri = str(j, "continueUri");
  r.continue_token = str(j, "continueToken");
  r.continue_after_ns = j.value("continueAfterNs", int64_t{0});
  r.continue_sent_ns = j.value("continueSentNs", int64_t{0});
  r.nonce = str(j, "nonce");
  r.interact_finish = str(j, "interactFinish");
  r.interact_ref = str(j, "interactRef");
  r.op_token = str(j, "opToken");
  r.op_manage = str(j, "opManage");
  r.payment_attempted = j.value("paymentAttempted", false);
  r.outgoing_payment_id = str(j, "outgoingPaymentId");
  r.notify_pending = j.value("notifyPending", false);
  r.consent_url = str(j, "consentUrl");
  r.error_code = str(j, "errorCode");
  r.error_message = str(j, "errorMessage");
  r.created_ns = j.value("createdNs", int64_t{0});
  r.updated_ns = j.value("updatedNs", int64_t{0});
  r.idempotency_hash = str(j, "idempotencyHash");
  r.owncast_user_id = str(j, "owncastUserId");
  r.creator_session_hash = str(j, "creatorSessionHash");
  r.creator_key_hash = str(j, "creatorKeyHash");
  return r;
}

json to_public(const TipRecord& r) {
  json j{{"id", r.id},
         {"status", r.status},
         {"amount", amt_json(r.amount)},
         {"amounts", {{"debitAmount", amt_json(r.debit_amount)}, {"receiveAmount", amt_json(r.receive_amount)}}},
         {"message", r.message},
         {"displayName", r.anonymous ? std::string() : r.display_name},
         {"anonymous", r.anonymous},
         {"createdAt", timeutil::format_rfc3339(r.created_ns)},
         {"updatedAt", timeutil::format_rfc3339(r.updated_ns)}};
  if (!r.error_code.empty()) j["error"] = {{"code", r.error_code}, {"message", r.error_message}};
  return j;
}

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
    : store_(store), client_(client), opts_(std::move(opts)), table_(store.table("tips")), rate_(opts_.rate_window_s),
      wallet_rate_(opts_.rate_window_s) {
  crash_step_ = opts_.crash_after;
  if (crash_step_.empty()) {
    if (const char* e = std::getenv("OWNCAST_WM_TEST_CRASH_AFTER"); e && *e) {
      crash_step_ = e;
      crash_kill_ = true;
      log::warn("tip: OWNCAST_WM_TEST_CRASH_AFTER is set: this process kills itself (SIGKILL) at a tip step; for tests only",
                {{"step", crash_step_}});
    }
  }
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
  std::optional<std::string> raw;
  auto st = store_.view([&](const store::ReadTxn& t) -> Status {
    if (auto v = t.get(table_, "t/" + id)) raw = std::string(*v);
    return ok_status();
  });
  if (!st) return TipError{500, st.error().code, st.error().message};
  if (!raw) return TipError{404, "not_found", "no tip with this id"};
  auto j = json_limits::parse_or_discarded(*raw);
  auto r = from_storage(j);
  if (!r) return TipError{500, r.error().code, r.error().message};
  return *r;
}

Status TipService::save(const TipRecord& r0) {
  TipRecord r = r0;
  r.updated_ns = now_ns();
  const std::string v = to_storage(r).dump();
  return store_.update([&](store::WriteTxn& t) { return t.put(table_, "t/" + r.id, v); });
}

Result<TipRecord, Error> TipService::transition(const std::string& id, const std::string& from,
                                                const std::function<void(TipRecord&)>& fn) {
  std::optional<TipRecord> out;
  auto st = store_.update([&](store::WriteTxn& t) -> Status {
    out.reset();
    auto v = t.get(table_, "t/" + id);
    if (!v) return Error{"not_found", "no tip with this id"};
    auto r = from_storage(json_limits::parse_or_discarded(*v));
    if (!r) return r.error();
    if (r->status != from) return Error{"conflict", "tip is " + r->status};
    fn(*r);
    r->updated_ns = now_ns();
    out = *r;
    return t.put(table_, "t/" + id, to_storage(*r).dump());
  });
  if (!st) return st.error();
  return *out;
}

Result<openpayments::WalletAddress, TipError> TipService::streamer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (streamer_) return *streamer_;
  }
  auto w = client_.get_wallet_address(openpayments::wallet_address_url(opts_.streamer_wallet));
  if (!w) return wallet_error(w.error(), Step::streamer_wallet, 502, "streamer_wallet_unreachable");
  std::lock_guard<std::mutex> lock(mu_);
  streamer_ = *w;
  return *w;
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
  if (!range) return TipError{503, "not_configured", "tips are misconfigured: " + range.error().message};
  if (min_s.empty() && min_u > 1) {
    auto a = openpayments::make_amount(min_u, w.asset_code, w.asset_scale);
    if (a) range->first = *a;
  }
  if (max_s.empty() && max_u > 0) {
    auto a = openpayments::make_amount(max_u, w.asset_code, w.asset_scale);
    if (a) range->second = *a;
  }
  if (auto c = openpayments::compare(range->first, range->second); !c || *c > 0)
    return TipError{503, "not_configured",
                    "tips are misconfigured: the minimum tip (" + openpayments::format_amount(range->first) +
                        ") is larger than the maximum (" + openpayments::format_amount(range->second) + ")"};
  return *range;
}

std::vector<TipRecord> TipService::load_all() {
  std::vector<TipRecord> all;
  (void)store_.view([&](const store::ReadTxn& t) -> Status {
    t.scan_prefix(table_, "t/", false, [&](std::string_view, std::string_view v) {
      auto r = from_storage(json_limits::parse_or_discarded(v));
      if (r) all.push_back(*r);
      return true;
    });
    return ok_status();
  });
  return all;
}

std::vector<TipRecord> TipService::list_recent(size_t n) {
  std::vector<TipRecord> all = load_all();
  std::sort(all.begin(), all.end(), [](const TipRecord& a, const TipRecord& b) {
    return a.created_ns != b.created_ns ? a.created_ns > b.created_ns : a.id < b.id;
  });
  if (all.size() > n) all.resize(n);
  for (auto& r : all) release_secrets_copy(r);
  return all;
}

Result<CreateResult, TipError> TipService::create(const CreateRequest& req) {
  const json& b = req.body;
  if (!b.is_object()) return TipError{400, "invalid_request", "the body must be a JSON object"};
  const std::string body_hash = crypto::hex(crypto::sha256(b.dump()));

  // Idempotency: same key + same body -> the same tip.
  std::string idem;
  if (!req.idempotency_key.empty()) {
    if (req.idempotency_key.size() > 255)
      return TipError{400, "invalid_idempotency_key", "Idempotency-Key must be at most 255 characters"};
    idem = "k/" + crypto::hex(crypto::sha256(req.idempotency_key));
    std::optional<std::string> existing;
    auto st = store_.view([&](const store::ReadTxn& t) -> Status {
      if (auto v = t.get(table_, idem)) existing = std::string(*v);
      return ok_status();
    });
    if (!st) return TipError{500, st.error().code, st.error().message};
    if (existing) {
      auto r = load(*existing);
      if (!r) return r.error();
      if (r->idempotency_hash != body_hash)
        return TipError{409, "idempotency_key_reused", "this Idempotency-Key was used with a different request body"};
      return CreateResult{*r, true};
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!idem_in_flight_.insert(idem).second)
      return TipError{409, "idempotency_in_progress", "a request with this Idempotency-Key is still being processed"};
  }
  struct Release {
    TipService* s;
    std::string key;
    ~Release() {
      if (key.empty()) return;
      std::lock_guard<std::mutex> lock(s->mu_);
      s->idem_in_flight_.erase(key);
    }
  } release{this, idem};

  int retry = 0;
  if (!req.client_ip.empty() && rate_.limited("ip/" + req.client_ip, opts_.rate_per_ip, retry))
    return TipError{429, "rate_limited", "too many tips from this address; try again later", retry};

  // Input.
  const std::string typed = str(b, "senderWalletAddress");
  if (typed.empty() || typed.size() > 2048)
    return TipError{400, "invalid_wallet_address", "senderWalletAddress is required (e.g. https://wallet.example/alice or $wallet.example/alice)"};
  const std::string message = str(b, "message");
  if (b.contains("message") && !b["message"].is_null() && !b["message"].is_string())
    return TipError{400, "invalid_message", "message must be a string"};
  if (utf8_chars(message) > kMaxMessageChars || has_control(message, true))
    return TipError{400, "invalid_message", "message must be at most 280 characters without control characters"};
  const std::string name = str(b, "displayName");
  if (b.contains("displayName") && !b["displayName"].is_null() && !b["displayName"].is_string())
    return TipError{400, "invalid_display_name", "displayName must be a string"};
  if (!valid_display_name(name))
    return TipError{400, "invalid_display_name", "displayName must be at most " + std::to_string(kMaxDisplayNameChars) +
                                                     " characters without control characters"};
  const std::string owncast_user_id = str(b, "owncastUserId");
  if (auto it = b.find("owncastUserId"); it != b.end() && !it->is_null() &&
                                         (!it->is_string() || !valid_owncast_user_id(owncast_user_id)))
    return TipError{400, "invalid_owncast_user_id", owncast_user_id_rule()};
  bool anonymous = false;
  if (auto it = b.find("anonymous"); it != b.end() && !it->is_null()) {
    if (!it->is_boolean()) return TipError{400, "invalid_request", "anonymous must be true or false"};
    anonymous = it->get<bool>();
  }
  if (anonymous) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!opts_.anonymous_allowed)
      return TipError{400, "anonymous_not_allowed", "this streamer does not accept anonymous tips; tip with a display name"};
  }
  std::string stream_id = str(b, "streamId");
  if (stream_id.empty()) stream_id = "default";
  if (!valid_stream_id(stream_id)) return TipError{400, "invalid_stream_id", "invalid streamId"};

  auto sw = streamer();
  if (!sw) return sw.error();
  const auto& streamer_wallet = *sw;
  auto range = accepted_range(streamer_wallet);
  if (!range) return range.error();

  Amount amount;
  if (auto it = b.find("amount"); it != b.end() && !it->is_null()) {
    auto a = amount_from_json(*it, streamer_wallet.asset_code, streamer_wallet.asset_scale);
    if (!a) return TipError{400, a.error().code == "asset_mismatch" ? "asset_mismatch" : "invalid_amount",
                            a.error().message + " (amounts are what the streamer receives, in " +
                                streamer_wallet.asset_code + ")"};
    amount = *a;
  } else if (auto t = b.find("tierId"); t != b.end() && t->is_string()) {
    auto res = resolve(store_, stream_id, streamer_wallet.asset_code, streamer_wallet.asset_scale);
    if (!res) return TipError{500, res.error().code, res.error().message};
    bool found = false;
    for (const auto& tier : res->set.tiers)
      if (tier.id == t->get<std::string>()) {
        amount = tier.amount;
        found = true;
      }
    if (!found) return TipError{400, "unknown_tier", "no tier with this tierId"};
  } else {
    return TipError{400, "invalid_amount", "amount ({value, assetCode, assetScale}) or tierId is required"};
  }
  if (amount.asset_code != streamer_wallet.asset_code || amount.asset_scale != streamer_wallet.asset_scale)
    return TipError{400, "asset_mismatch", "the amount must be in " + streamer_wallet.asset_code + " (the streamer's asset)"};
  auto above = openpayments::compare(amount, range->first), below = openpayments::compare(amount, range->second);
  if (!above || !below || *above < 0 || *below > 0)
    return TipError{400, "amount_out_of_range",
                    "the amount must be between " + openpayments::format_amount(range->first) + " and " +
                        openpayments::format_amount(range->second)};

  // The sender's wallet address, through the client (SSRF guard, dev hosts).
  auto sender = client_.get_wallet_address(openpayments::wallet_address_url(typed));
  if (!sender) return wallet_error(sender.error(), Step::viewer_wallet, 400, "invalid_wallet_address");
  TipRecord r;
  // 128 random bits. The leading letter keeps ids from starting with '-' or '_': a CSV export
  // would neutralise a leading '-' (spreadsheet formulas) and change the id.
  r.id = "t" + crypto::random_token(16);
  if (wallet_rate_.limited(sender->id, r.id, opts_.rate_per_wallet, retry))
    return TipError{429, "rate_limited", "too many tips from this wallet; try again later", retry};
  r.status = "awaiting_consent";
  r.stream_id = stream_id;
  r.sender_wallet = sender->id;
  r.sender_auth_server = sender->auth_server;
  r.sender_resource_server = sender->resource_server;
  r.message = message;
  r.display_name = name;
  r.anonymous = anonymous;
  r.amount = amount;
  r.streamer_auth_server = streamer_wallet.auth_server;
  r.created_ns = now_ns();
  r.idempotency_hash = body_hash;
  r.owncast_user_id = owncast_user_id;
  if (!req.viewer_session.empty()) r.creator_session_hash = creator_hash(kViewerSessionCredential, req.viewer_session);
  if (!req.idempotency_key.empty()) r.creator_key_hash = creator_hash(kIdempotencyKeyCredential, req.idempotency_key);

  auto cleanup = [this](TipRecord& rec) { release_grants(rec); };

  // 1. incoming-payment grant at the streamer's AS.
  openpayments::GrantRequest ig;
  ig.access.push_back({"incoming-payment", {"create", "read", "complete"}, std::nullopt, std::nullopt});
  auto g1 = client_.request_grant(streamer_wallet.auth_server, ig);
  if (!g1 || !g1->access_token)
    return wallet_error(g1 ? incomplete_grant() : g1.error(), Step::streamer_payment, 502, "streamer_wallet_error");
  r.streamer_token = g1->access_token->value;
  r.streamer_manage = g1->access_token->manage;

  // 2. incoming payment.
  openpayments::IncomingPaymentRequest ipr;
  ipr.wallet_address = streamer_wallet.id;
  ipr.incoming_amount = amount;
  ipr.metadata = nlohmann::ordered_json{{"tipId", r.id}, {"description", "Tip via owncast-wm"}};
  auto ip = client_.create_incoming_payment(streamer_wallet.resource_server, r.streamer_token, ipr);
  if (!ip) {
    cleanup(r);
    return wallet_error(ip.error(), Step::streamer_payment, 502, "streamer_wallet_error");
  }
  r.incoming_payment_id = ip->id;

  // 3. quote grant + quote at the sender's wallet.
  openpayments::GrantRequest qg;
  qg.access.push_back({"quote", {"create", "read"}, std::nullopt, std::nullopt});
  auto g2 = client_.request_grant(sender->auth_server, qg);
  if (!g2 || !g2->access_token) {
    cleanup(r);
    return wallet_error(g2 ? incomplete_grant() : g2.error(), Step::viewer_quote, 422, "cannot_pay");
  }
  r.quote_token = g2->access_token->value;
  r.quote_manage = g2->access_token->manage;
  openpayments::QuoteRequest qr;
  qr.wallet_address = sender->id;
  qr.receiver = ip->id;
  auto q = client_.create_quote(sender->resource_server, r.quote_token, qr);
  if (!q) {
    cleanup(r);
    return wallet_error(q.error(), Step::viewer_quote, 422, "cannot_pay");
  }
  if (auto c = openpayments::compare(q->receive_amount, amount); !c || *c < 0) {
    cleanup(r);
    return TipError{422, "cannot_pay",
                    "Your wallet's price wouldn't deliver the full tip to the streamer. Nothing was charged. Try again, "
                    "or tip from another wallet."};
  }
  r.quote_id = q->id;
  r.quote_expires_at = q->expires_at.value_or("");
  r.debit_amount = q->debit_amount;
  r.receive_amount = q->receive_amount;

  // 4. interactive outgoing-payment grant limited to exactly this quote.
  openpayments::GrantRequest og;
  openpayments::OutgoingLimits limits;
  limits.debit_amount = q->debit_amount;
  limits.receiver = ip->id;
  og.access.push_back({"outgoing-payment", {"create", "read"}, sender->id, limits});
  r.nonce = openpayments::new_nonce();
  const std::string base = opts_.public_url ? opts_.public_url() : std::string();
  og.interact = openpayments::InteractRequest{base + "/plugins/wm/tips/" + r.id + "/callback", r.nonce};
  auto g3 = client_.request_grant(sender->auth_server, og);
  if (!g3 || !g3->interact_redirect || !g3->interact_finish || !g3->continuation) {
    cleanup(r);
    return wallet_error(g3 ? incomplete_grant() : g3.error(), Step::viewer_payment_grant, 422, "cannot_pay");
  }
  r.consent_url = *g3->interact_redirect;
  r.interact_finish = *g3->interact_finish;
  r.continue_uri = g3->continuation->uri;
  r.continue_token = g3->continuation->token;
  // GNAP continue.wait counts from the grant response; measured after it arrived, never early.
  r.continue_after_ns = now_ns() + int64_t{std::max(0, g3->continuation->wait)} * 1000000000;

  r.updated_ns = now_ns();
  const std::string v = to_storage(r).dump();
  auto st = store_.update([&](store::WriteTxn& t) -> Status {
    if (auto s = t.put(table_, "t/" + r.id, v); !s) return s;
    if (!idem.empty()) return t.put(table_, idem, r.id);
    return ok_status();
  });
  if (!st) {
    cleanup(r);
    return TipError{500, st.error().code, st.error().message};
  }
  log::info("tip created", {{"tip", r.id}});
  watch_expiry(r);
  return CreateResult{r, false};
}

std::optional<TipRecord> TipService::get(const std::string& id) {
  auto r = load(id);
  if (!r) return std::nullopt;
  if (r->status == "awaiting_consent" && quote_expired(*r)) {
    finish(*r, "expired", "quote_expired", "the quote expired before the payment was approved");
    r = load(id);
    if (!r) return std::nullopt;
  }
  return *r;
}

void TipService::release_grants(TipRecord& r) {
  if (!r.op_token.empty()) (void)client_.revoke_token({r.op_token, r.op_manage, std::nullopt, nullptr});
  if (!r.continue_uri.empty()) (void)client_.cancel_grant({r.continue_uri, r.continue_token, 0});
  if (!r.streamer_token.empty())
    (void)client_.revoke_token({r.streamer_token, r.streamer_manage, std::nullopt, nullptr});
  if (!r.quote_token.empty()) (void)client_.revoke_token({r.quote_token, r.quote_manage, std::nullopt, nullptr});
  r.op_token.clear();
  r.op_manage.clear();
  r.continue_uri.clear();
  r.continue_token.clear();
  r.streamer_token.clear();
  r.streamer_manage.clear();
  r.quote_token.clear();
  r.quote_manage.clear();
  r.nonce.clear();
}

bool TipService::finish(TipRecord r, const std::string& status, const std::string& code, const std::string& message) {
  // Commit the final state first; settle() then revokes, notifies and forgets the tokens.
  auto done = transition(r.id, r.status, [&](TipRecord& x) {
    x.status = status;
    x.error_code = code;
    x.error_message = message;
    x.notify_pending = status == "completed";
  });
  if (!done) return false;  // someone else moved it
  if (status == "expired" || status == "cancelled") wallet_rate_.release(done->id);  // not counted
  log::info("tip settled", {{"tip", done->id}, {"status", status}, {"code", code}});
  if (status == "completed" && crash_here("completed", done->id)) return false;
  if (status != "completed" && opts_.on_final) {
    TipRecord pub = *done;
    release_secrets_copy(pub);
    opts_.on_final(pub);
  }
  settle(*done);
  return false;
}

void TipService::settle(TipRecord rec) {
  if (rec.status != "completed") close_incoming_payment(rec);  // nothing more may be paid into it
  release_grants(rec);  // revocations are idempotent: a repeat after a crash is harmless
  if (rec.notify_pending && rec.status == "completed" && opts_.on_completed) {
    TipRecord pub = rec;
    release_secrets_copy(pub);
    try {
      opts_.on_completed(pub);
    } catch (...) {
      log::warn("tip: on_completed threw", {{"tip", rec.id}});
    }
  }
  rec.notify_pending = false;
  if (auto st = save(rec); !st) log::warn("tip: cannot clear tokens", {{"tip", rec.id}});
  settled_cv_.notify_all();
}

Result<CallbackResult, TipError> TipService::callback(const std::string& id, const std::string& query) {
  auto r = load(id);
  if (!r) return r.error();
  if (r->status != "awaiting_consent") return CallbackResult{*r, false, "this tip was already handled"};
  auto fr = openpayments::parse_finish_redirect("?" + query);
  using O = openpayments::FinishRedirect::Outcome;
  if (fr.outcome == O::error && (fr.result == "invalid_redirect" || fr.result.empty()))
    return TipError{400, "invalid_callback", "the wallet's redirect is incomplete: " + fr.message};
  if (fr.outcome != O::approved)
    if (auto unconfirmed = confirm_rejection(*r)) return *unconfirmed;
  if (fr.outcome == O::rejected) {
    finish(*r, "denied", "denied", "the payment was not approved in the wallet");
  } else if (fr.outcome == O::error) {
    // fr.result / fr.message come from the redirect's query: logged, never shown.
    log::info("tip: the wallet ended the approval", {{"tip", r->id}, {"result", fr.result.substr(0, 64)}});
    finish(*r, "failed", "interaction_failed",
           "Your wallet ended the approval before it was finished. Nothing was charged; send the tip again.");
  } else {
    if (!openpayments::verify_interaction_hash(fr.hash, r->nonce, r->interact_finish, fr.interact_ref,
                                               r->sender_auth_server))
      return TipError{400, "invalid_hash", "the wallet's redirect could not be verified"};
    if (quote_expired(*r)) {
      finish(*r, "expired", "quote_expired", "the quote expired before the payment was approved");
    } else {
      auto moved = transition(id, "awaiting_consent", [&](TipRecord& x) {
        x.status = "processing";
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
  auto poll = client_.poll_grant({r.continue_uri, r.continue_token, 0});
  if (!poll) {
    log::warn("tip: rejection not confirmed", {{"tip", r.id}, {"error", poll.error().code}});
    return TipError{502, "wallet_unreachable",
                    "the wallet could not confirm that the payment was declined; the tip stays open"};
  }
  if (*poll == openpayments::Client::PollState::denied) return std::nullopt;
  log::warn("tip: rejection redirect, but the grant is still open", {{"tip", r.id}});
  return TipError{409, "rejection_unconfirmed",
                  "the wallet still shows this payment as waiting for approval; approve or deny it there"};
}

bool TipService::crash_here(const std::string& step, const std::string& id) {
  if (crash_step_.empty() || crash_step_ != step) return false;
  if (crash_kill_) {
    log::warn("tip: OWNCAST_WM_TEST_CRASH_AFTER: killing the process", {{"tip", id}, {"after", step}});
    ::kill(::getpid(), SIGKILL);
    for (;;) ::pause();  // never continue to the next side effect
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    crashed_.insert(id);
  }
  settled_cv_.notify_all();
  log::warn("tip: simulated crash", {{"tip", id}, {"after", step}});
  return true;
}

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
  auto ip = client_.get_incoming_payment(r.incoming_payment_id, r.streamer_token);
  if (!ip && (ip.error().http_status == 401 || ip.error().http_status == 403)) {
    // Token expired (e.g. after a long outage): a fresh read grant at the streamer's AS.
    openpayments::GrantRequest g;
    g.access.push_back({"incoming-payment", {"read"}, std::nullopt, std::nullopt});
    auto gr = client_.request_grant(r.streamer_auth_server, g);
    if (gr && gr->access_token) {
      r.streamer_token = gr->access_token->value;
      r.streamer_manage = gr->access_token->manage;
      (void)save(r);
      ip = client_.get_incoming_payment(r.incoming_payment_id, r.streamer_token);
    }
  }
  if (!ip) return Error{ip.error().code, ip.error().message()};
  return std::optional<openpayments::IncomingPayment>(*ip);
}

bool TipService::process(const std::string& id) {
  auto loaded = load(id);
  if (!loaded || loaded->status != "processing") return false;
  TipRecord r = *loaded;
  const bool attempted_before = r.payment_attempted;

  // Continue the grant (after continue.wait), store the token (tip_settle.cpp).
  if (r.op_token.empty()) {
    const ContinueStep step = continue_grant(r);
    if (step != ContinueStep::go_on) return step == ContinueStep::scheduled;
  }

  // Create the outgoing payment from the quote. The wallet refuses a second creation (the quote is
  // single-use and the grant's debit limit equals it), so a retry can never charge twice.
  bool maybe_paid = attempted_before;
  if (r.outgoing_payment_id.empty()) {
    OpError err;
    bool refused = false;
    for (int attempt = 0; attempt < 3 && r.outgoing_payment_id.empty(); ++attempt) {
      if (!r.payment_attempted) {
        r.payment_attempted = true;
        if (auto st = save(r); !st) return false;
        if (crash_here("attempted", id)) return false;
      }
      auto op = client_.create_outgoing_payment_from_quote(
          r.sender_resource_server, r.op_token, r.sender_wallet, r.quote_id,
          nlohmann::ordered_json{{"tipId", r.id}, {"description", "Tip via owncast-wm"}});
      if (op) {
        if (crash_here("payment_unrecorded", id)) return false;
        r.outgoing_payment_id = op->id;
        if (auto st = save(r); !st) return false;
        if (crash_here("payment", id)) return false;
        if (op->failed)
          return finish(r, "failed", "payment_failed",
                        "your wallet could not send the payment (insufficient funds?)");
        break;
      }
      err = op.error();
      maybe_paid = maybe_paid || attempt > 0 || err.http_status == 0;
      if (err.http_status == 0 || err.http_status >= 500) {
        if (!sleep_ms(500 * (attempt + 1))) return false;
        continue;
      }
      refused = true;
      break;
    }
    if (r.outgoing_payment_id.empty() && !maybe_paid) {
      // First attempt refused: nothing was sent.
      const bool quote_gone = err.description.find("quote") != std::string::npos;
      if (quote_gone)
        return finish(r, "expired", "quote_expired", "the quote expired before the payment was made; please try again");
      return finish(r, "failed", refused ? "payment_refused" : "wallet_unreachable",
                    openpayments::for_person(err, Step::viewer_payment).message);
    }
    // Otherwise it may have been made by an earlier attempt (refused now: the guard): the receipt decides.
    if (r.outgoing_payment_id.empty())
      log::info("tip: payment may already exist, checking the receipt", {{"tip", r.id}, {"refusal", err.message()}});
  }

  // Verified receipt: the streamer's incoming payment shows the amount. Checked from a schedule.
  schedule({id, opts_.poll_first_ms, timeutil::monotonic_ns() + int64_t{opts_.receipt_timeout_ms} * 1000000});
  return true;
}

bool TipService::check_receipt(const ReceiptCheck& c) {
  auto loaded = load(c.id);
  if (!loaded || loaded->status != "processing") return false;
  TipRecord r = *loaded;
  if (!r.outgoing_payment_id.empty()) {
    auto op = client_.get_outgoing_payment(r.outgoing_payment_id, r.op_token);
    if (op && op->failed)
      return finish(r, "failed", "payment_failed", "your wallet could not send the payment (insufficient funds?)");
  }
  auto ip = read_incoming(r);
  if (ip && *ip && received_enough(**ip, r.amount)) {
    if (crash_here("receipt", c.id)) return false;
    return finish(r, "completed", "", "");
  }
  if (timeutil::monotonic_ns() > c.deadline_ns)
    return finish(r, "failed", "receipt_timeout",
                  "the streamer's wallet did not confirm receipt in time; if you were charged, contact the streamer");
  // The first five checks come poll_first_ms apart (a payment usually lands within a few hundred
  // ms), then each wait is 1.5x the one before, up to poll_max_ms.
  const int next = c.checks < 4 ? c.delay_ms : std::min(opts_.poll_max_ms, c.delay_ms * 3 / 2 + 1);
  schedule({c.id, next, c.deadline_ns, c.checks + 1});
  return true;
}

void TipService::recover() {
  std::vector<TipRecord> all = load_all();
  for (auto& r : all) {
    if (r.status == "processing") {
      log::info("tip: resuming", {{"tip", r.id}});
      enqueue(r.id);
    } else if (r.status == "awaiting_consent" && quote_expired(r)) {
      finish(r, "expired", "quote_expired", "the quote expired before the payment was approved");
    } else if (r.status == "awaiting_consent") {
      watch_expiry(r);
    } else if (is_final(r.status) && (has_secrets(r) || r.notify_pending)) {
      log::info("tip: finishing an interrupted settlement", {{"tip", r.id}, {"status", r.status}});
      settle(r);
    }
  }
}

std::optional<TipRecord> TipService::wait_settled(const std::string& id, int timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto r = load(id);
    if (r && settled(*r)) return *r;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (crashed_.count(id)) return r ? std::optional<TipRecord>(*r) : std::nullopt;
      if (std::chrono::steady_clock::now() >= until) return r ? std::optional<TipRecord>(*r) : std::nullopt;
      settled_cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }
}

}  // namespace wm::tips
