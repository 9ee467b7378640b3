#include "support/support_record.h"

#include <array>

#include "core/json.h"
#include "core/timeutil.h"

namespace wm::support {

namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 8> kStatus = {"awaiting_consent", "active",  "paused", "limit_reached",
                                                     "stopped",          "denied",  "failed", "expired"};

using json_util::str;

template <typename T>
T num(const json& j, const char* k, T def) {
  auto it = j.find(k);
  return it != j.end() && it->is_number() ? it->get<T>() : def;
}

Amount units_of(uint64_t units, const Amount& asset) {
  Amount a = asset;
  a.units = units;
  return a;
}

}  // namespace

std::string_view to_string(SupportStatus s) { return kStatus[static_cast<size_t>(s)]; }

std::optional<SupportStatus> status_from(std::string_view s) {
  for (size_t i = 0; i < kStatus.size(); ++i)
    if (kStatus[i] == s) return static_cast<SupportStatus>(i);
  return std::nullopt;
}

bool is_final(SupportStatus s) {
  return s == SupportStatus::stopped || s == SupportStatus::denied || s == SupportStatus::failed ||
         s == SupportStatus::expired;
}

uint64_t owed(const SupportRecord& r) {
  const unsigned __int128 v = static_cast<unsigned __int128>(r.rate.units) * static_cast<uint64_t>(r.watched_ms);
  return static_cast<uint64_t>(v / static_cast<uint64_t>(kHourMs));
}

uint64_t pending(const SupportRecord& r) {
  const uint64_t committed = r.sent_receive_units + (r.in_flight ? r.in_flight->receive_units : 0);
  const uint64_t o = owed(r);
  return o > committed ? o - committed : 0;
}

int64_t period_of(const SupportRecord& r, int64_t now_ns) {
  if (now_ns < r.interval_start_ns) return 0;
  return (now_ns - r.interval_start_ns) / (kHourMs * 1000000);
}

json to_storage(const SupportRecord& r) {
  json j = {{"id", r.id}, {"status", to_string(r.status)}, {"senderWallet", r.sender_wallet},
            {"senderAuthServer", r.sender_auth_server}, {"senderResourceServer", r.sender_resource_server},
            {"displayName", r.display_name}, {"owncastUserId", r.owncast_user_id}, {"anonymous", r.anonymous},
            {"rate", openpayments::to_json_or_null(r.rate)}, {"hourDebit", openpayments::to_json_or_null(r.hour_debit)},
            {"incomingPayment", r.incoming_payment_id}, {"streamerAuthServer", r.streamer_auth_server},
            {"interval", r.interval}, {"intervalStartNs", r.interval_start_ns},
            {"streamerToken", r.streamer_token}, {"streamerManage", r.streamer_manage},
            {"quoteToken", r.quote_token}, {"quoteManage", r.quote_manage}, {"opToken", r.op_token},
            {"opManage", r.op_manage}, {"continueUri", r.continue_uri}, {"continueToken", r.continue_token},
            {"nonce", r.nonce}, {"interactFinish", r.interact_finish}, {"consentUrl", r.consent_url},
            {"controlHash", r.control_hash}, {"idempotencyHash", r.idempotency_hash},
            {"watchedMs", r.watched_ms}, {"accruedToNs", r.accrued_to_ns}, {"sentReceive", r.sent_receive_units},
            {"payments", r.payments}, {"received", r.received_units}, {"lastPaymentNs", r.last_payment_ns},
            {"spentPeriod", r.spent_period}, {"spentDebit", r.spent_debit_units}, {"limitPeriod", r.limit_period}, {"limitSpent", r.limit_spent_units},
            {"pendingReason", r.pending_reason}, {"errorCode", r.error_code}, {"errorMessage", r.error_message},
            {"createdNs", r.created_ns}, {"updatedNs", r.updated_ns}, {"expiresNs", r.expires_ns}};
  if (r.in_flight)
    j["inFlight"] = {{"seq", r.in_flight->seq}, {"receive", r.in_flight->receive_units},
                     {"stage", r.in_flight->stage}, {"quoteId", r.in_flight->quote_id},
                     {"debit", r.in_flight->debit_units}};
  return j;
}

Result<SupportRecord> from_storage(const json& j) {
  if (!j.is_object()) return Error{"corrupt_record", "support record is not an object"};
  auto st = status_from(str(j, "status"));
  if (!st) return Error{"corrupt_record", "support record has an unknown status"};
  SupportRecord r;
  r.id = str(j, "id");
  r.status = *st;
  r.sender_wallet = str(j, "senderWallet");
  r.sender_auth_server = str(j, "senderAuthServer");
  r.sender_resource_server = str(j, "senderResourceServer");
  r.display_name = str(j, "displayName");
  r.owncast_user_id = str(j, "owncastUserId");
  r.anonymous = j.value("anonymous", false);
  r.rate = openpayments::amount_member(j, "rate");
  r.hour_debit = openpayments::amount_member(j, "hourDebit");
  r.incoming_payment_id = str(j, "incomingPayment");
  r.streamer_auth_server = str(j, "streamerAuthServer");
  r.interval = str(j, "interval");
  r.interval_start_ns = num<int64_t>(j, "intervalStartNs", 0);
  r.streamer_token = str(j, "streamerToken");
  r.streamer_manage = str(j, "streamerManage");
  r.quote_token = str(j, "quoteToken");
  r.quote_manage = str(j, "quoteManage");
  r.op_token = str(j, "opToken");
  r.op_manage = str(j, "opManage");
  r.continue_uri = str(j, "continueUri");
  r.continue_token = str(j, "continueToken");
  r.nonce = str(j, "nonce");
  r.interact_finish = str(j, "interactFinish");
  r.consent_url = str(j, "consentUrl");
  r.control_hash = str(j, "controlHash");
  r.idempotency_hash = str(j, "idempotencyHash");
  r.watched_ms = num<int64_t>(j, "watchedMs", 0);
  r.accrued_to_ns = num<int64_t>(j, "accruedToNs", 0);
  r.sent_receive_units = num<uint64_t>(j, "sentReceive", 0);
  r.payments = num<uint64_t>(j, "payments", 0);
  r.received_units = num<uint64_t>(j, "received", 0);
  r.last_payment_ns = num<int64_t>(j, "lastPaymentNs", 0);
  r.spent_period = num<int64_t>(j, "spentPeriod", -1);
  r.spent_debit_units = num<uint64_t>(j, "spentDebit", 0);
  r.limit_period = num<int64_t>(j, "limitPeriod", -1);
  r.limit_spent_units = num<uint64_t>(j, "limitSpent", 0);
  r.pending_reason = str(j, "pendingReason");
  r.error_code = str(j, "errorCode");
  r.error_message = str(j, "errorMessage");
  r.created_ns = num<int64_t>(j, "createdNs", 0);
  r.updated_ns = num<int64_t>(j, "updatedNs", 0);
  r.expires_ns = num<int64_t>(j, "expiresNs", 0);
  if (auto it = j.find("inFlight"); it != j.end() && it->is_object())
    r.in_flight = InFlight{num<uint64_t>(*it, "seq", 0), num<uint64_t>(*it, "receive", 0), str(*it, "stage"),
                           str(*it, "quoteId"), num<uint64_t>(*it, "debit", 0)};
  return r;
}

json to_public(const SupportRecord& r, int64_t now_ns) {
  json out = {{"id", r.id},
              {"status", to_string(r.status)},
              {"rate", openpayments::to_json_or_null(r.rate)},
              {"paid", openpayments::to_json_or_null(units_of(r.received_units, r.rate))},
              {"payments", r.payments},
              {"pendingAmount", openpayments::to_json_or_null(units_of(pending(r), r.rate))},
              {"watchedSeconds", r.watched_ms / 1000},
              {"watchedMs", r.watched_ms},
              {"lastPaymentAt", r.last_payment_ns ? json(timeutil::format_rfc3339(r.last_payment_ns)) : json(nullptr)}};
  if (!r.pending_reason.empty() && pending(r) > 0) out["pendingReason"] = r.pending_reason;
  if (!r.hour_debit.empty()) {
    const uint64_t spent = r.spent_period == period_of(r, now_ns) ? r.spent_debit_units : 0;
    out["remaining"] = openpayments::to_json(units_of(spent < r.hour_debit.units ? r.hour_debit.units - spent : 0,
                                                       r.hour_debit));
    out["periodLimit"] = openpayments::to_json(r.hour_debit);
  } else {
    out["remaining"] = nullptr;
  }
  if (!r.error_code.empty()) out["error"] = {{"code", r.error_code}, {"message", r.error_message}};
  return out;
}

SupportStore::SupportStore(store::Store& store) : store_(store), table_(store.table("support_sessions")) {}

Result<SupportRecord> SupportStore::load(const std::string& id) {
  auto txn = store_.begin_read();
  auto v = txn.get(table_, "s/" + id);
  if (!v) return Error{"not_found", "no support session with this id"};
  auto j = json::parse(*v, nullptr, false);
  return from_storage(j);
}

Status SupportStore::insert(const SupportRecord& r, const std::string& idem_key) {
  return store_.update([&](store::WriteTxn& txn) -> Status {
    if (auto s = txn.put(table_, "s/" + r.id, to_storage(r).dump()); !s) return s;
    if (!idem_key.empty()) return txn.put(table_, idem_key, r.id);
    return ok_status();
  });
}

Result<SupportRecord> SupportStore::update(const std::string& id, const std::function<bool(SupportRecord&)>& fn) {
  std::optional<SupportRecord> out;
  auto st = store_.update([&](store::WriteTxn& txn) -> Status {
    auto v = txn.get(table_, "s/" + id);
    if (!v) return Error{"not_found", "no support session with this id"};
    auto r = from_storage(json::parse(*v, nullptr, false));
    if (!r) return r.error();
    out = *r;
    if (!fn(*out)) return ok_status();
    out->updated_ns = timeutil::now_ns();
    return txn.put(table_, "s/" + id, to_storage(*out).dump());
  });
  if (!st) return st.error();
  return *out;
}

Result<std::optional<std::string>> SupportStore::find_idempotent(const std::string& idem_key) {
  auto txn = store_.begin_read();
  auto v = txn.get(table_, idem_key);
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*v));
}

std::vector<std::string> SupportStore::ids_not_final() {
  std::vector<std::string> out;
  auto txn = store_.begin_read();
  txn.scan_prefix(table_, "s/", false, [&](std::string_view, std::string_view v) {
    auto r = from_storage(json::parse(v, nullptr, false));
    if (r && !is_final(r->status)) out.push_back(r->id);
    return true;
  });
  return out;
}

}  // namespace wm::support
