#include "tips/tip_record.h"

#include "core/json.h"
#include "core/json_limits.h"
#include "core/timeutil.h"

namespace wm::tips {

namespace {

using json = nlohmann::json;

using json_util::str;

std::string record_key(const std::string& id) { return "t/" + id; }

}  // namespace

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
              {"amount", openpayments::to_json_or_null(r.amount)},
              {"debitAmount", openpayments::to_json_or_null(r.debit_amount)},
              {"receiveAmount", openpayments::to_json_or_null(r.receive_amount)},
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
  auto status = parse_tip_status(str(j, "status"));
  if (!status) return Error{"store_error", "unreadable tip record (unknown status)"};
  r.status = *status;
  r.stream_id = str(j, "streamId");
  r.sender_wallet = str(j, "senderWallet");
  r.sender_auth_server = str(j, "senderAuthServer");
  r.sender_resource_server = str(j, "senderResourceServer");
  r.message = str(j, "message");
  r.display_name = str(j, "displayName");
  r.anonymous = j.value("anonymous", false);
  r.amount = openpayments::amount_member(j, "amount");
  r.debit_amount = openpayments::amount_member(j, "debitAmount");
  r.receive_amount = openpayments::amount_member(j, "receiveAmount");
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
         {"amount", openpayments::to_json_or_null(r.amount)},
         {"amounts", {{"debitAmount", openpayments::to_json_or_null(r.debit_amount)}, {"receiveAmount", openpayments::to_json_or_null(r.receive_amount)}}},
         {"message", r.message},
         {"displayName", r.anonymous ? std::string() : r.display_name},
         {"anonymous", r.anonymous},
         {"createdAt", timeutil::format_rfc3339(r.created_ns)},
         {"updatedAt", timeutil::format_rfc3339(r.updated_ns)}};
  if (!r.error_code.empty()) j["error"] = {{"code", r.error_code}, {"message", r.error_message}};
  return j;
}

bool quote_expired(const TipRecord& r, int64_t now_ns) {
  if (r.quote_expires_at.empty()) return false;
  auto p = timeutil::parse_rfc3339(r.quote_expires_at);
  return p && !p->zero && p->unix_ns < now_ns;
}

void clear_secrets(TipRecord& r) {
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

TipStore::TipStore(store::Store& store) : store_(store), table_(store.table("tips")) {}

Result<TipRecord> TipStore::load(const std::string& id) {
  std::optional<std::string> raw;
  auto st = store_.view([&](const store::ReadTxn& t) -> Status {
    if (auto v = t.get(table_, record_key(id))) raw = std::string(*v);
    return ok_status();
  });
  if (!st) return st.error();
  if (!raw) return Error{"not_found", "no tip with this id"};
  return from_storage(json_limits::parse_or_discarded(*raw));
}

Status TipStore::save(const TipRecord& r0) {
  TipRecord r = r0;
  r.updated_ns = timeutil::now_ns();
  const std::string v = to_storage(r).dump();
  return store_.update([&](store::WriteTxn& t) { return t.put(table_, record_key(r.id), v); });
}

Status TipStore::insert(const TipRecord& r0, const std::string& idem_key) {
  TipRecord r = r0;
  r.updated_ns = timeutil::now_ns();
  const std::string v = to_storage(r).dump();
  return store_.update([&](store::WriteTxn& t) -> Status {
    if (auto s = t.put(table_, record_key(r.id), v); !s) return s;
    if (!idem_key.empty()) return t.put(table_, idem_key, r.id);
    return ok_status();
  });
}

Result<std::optional<std::string>> TipStore::find_idempotent(const std::string& idem_key) {
  std::optional<std::string> existing;
  auto st = store_.view([&](const store::ReadTxn& t) -> Status {
    if (auto v = t.get(table_, idem_key)) existing = std::string(*v);
    return ok_status();
  });
  if (!st) return st.error();
  return existing;
}

Result<TipRecord> TipStore::transition(const std::string& id, TipStatus from,
                                       const std::function<void(TipRecord&)>& fn) {
  std::optional<TipRecord> out;
  auto st = store_.update([&](store::WriteTxn& t) -> Status {
    out.reset();
    auto v = t.get(table_, record_key(id));
    if (!v) return Error{"not_found", "no tip with this id"};
    auto r = from_storage(json_limits::parse_or_discarded(*v));
    if (!r) return r.error();
    if (r->status != from) return Error{"conflict", "tip is " + std::string(to_string(r->status))};
    fn(*r);
    r->updated_ns = timeutil::now_ns();
    out = *r;
    return t.put(table_, record_key(id), to_storage(*r).dump());
  });
  if (!st) return st.error();
  return *out;
}

std::vector<TipRecord> TipStore::load_all() {
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

void TipStore::scan(const store::ReadTxn& txn, const store::Store& store, const std::function<bool(const TipRecord&)>& fn) {
  txn.scan_prefix(store.table("tips"), "t/", false, [&](std::string_view, std::string_view v) {
    auto r = from_storage(json_limits::parse_or_discarded(v));
    if (!r) return true;
    clear_secrets(*r);
    return fn(*r);
  });
}

}  // namespace wm::tips
