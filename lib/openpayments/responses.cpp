// Open Payments answers parsed into typed records (client.h: parse_*), each refusing a wrong
// shape with "invalid_response" naming the member.
#include "openpayments/client.h"
#include "openpayments/response_shape.h"

namespace wm::openpayments {

using shape::bad_shape;
using shape::get_string;
using shape::member;

namespace {

std::optional<std::string> opt_string(const nlohmann::json& j, const char* name) {
  std::string s;
  if (get_string(j, name, &s)) return s;
  return std::nullopt;
}

// Required amount member; false on absence or bad shape.
bool get_amount(const nlohmann::json& j, const char* name, Amount* out) {
  const auto* m = member(j, name);
  if (!m) return false;
  auto a = parse_amount(*m);
  if (!a) return false;
  *out = *a;
  return true;
}

// Optional amount: absent is fine, malformed is not.
bool opt_amount(const nlohmann::json& j, const char* name, std::optional<Amount>* out) {
  const auto* m = member(j, name);
  if (!m) return true;
  auto a = parse_amount(*m);
  if (!a) return false;
  *out = *a;
  return true;
}

}  // namespace

namespace shape {

OpResult<AccessToken> parse_access_token(const nlohmann::json& j) {
  AccessToken t;
  if (!get_string(j, "value", &t.value)) return bad_shape("access_token.value missing");
  get_string(j, "manage", &t.manage);
  if (const auto* e = member(j, "expires_in"); e && e->is_number_integer()) t.expires_in = e->get<int64_t>();
  if (const auto* a = member(j, "access")) t.access = *a;
  return t;
}

}  // namespace shape

std::string OpError::message() const {
  std::string m = description.empty() ? code : description;
  if (http_status || !code.empty()) {
    m.append(" (");
    if (http_status) m.append("HTTP ").append(std::to_string(http_status));
    if (http_status && !code.empty()) m.append(", ");
    m.append(code).append(")");
  }
  return m;
}

OpResult<WalletAddress> parse_wallet_address(const nlohmann::json& j) {
  WalletAddress w;
  if (!get_string(j, "id", &w.id)) return bad_shape("wallet address has no id");
  if (!get_string(j, "assetCode", &w.asset_code)) return bad_shape("wallet address has no assetCode");
  const auto* scale = member(j, "assetScale");
  if (!scale || !scale->is_number_unsigned() || scale->get<uint64_t>() > 255)
    return bad_shape("wallet address has no valid assetScale");
  w.asset_scale = scale->get<int>();
  if (!get_string(j, "authServer", &w.auth_server)) return bad_shape("wallet address has no authServer");
  if (!get_string(j, "resourceServer", &w.resource_server))
    return bad_shape("wallet address has no resourceServer");
  w.public_name = opt_string(j, "publicName");
  w.raw = j;
  return w;
}

OpResult<Grant> parse_grant(const nlohmann::json& j) {
  if (!j.is_object()) return bad_shape("grant response is not an object");
  Grant g;
  g.raw = j;
  if (const auto* t = member(j, "access_token")) {
    auto tok = shape::parse_access_token(*t);
    if (!tok) return tok.error();
    g.access_token = *tok;
  }
  if (const auto* i = member(j, "interact")) {
    g.interact_redirect = opt_string(*i, "redirect");
    g.interact_finish = opt_string(*i, "finish");
    if (!g.interact_redirect || !g.interact_finish) return bad_shape("interact needs redirect and finish");
  }
  if (const auto* c = member(j, "continue")) {
    Continuation k;
    if (!get_string(*c, "uri", &k.uri)) return bad_shape("continue.uri missing");
    const auto* at = member(*c, "access_token");
    if (!at || !get_string(*at, "value", &k.token)) return bad_shape("continue.access_token missing");
    if (const auto* w = member(*c, "wait"); w && w->is_number_integer()) k.wait = w->get<int>();
    g.continuation = k;
  }
  if (!g.access_token && !g.interact_redirect) return bad_shape("grant has neither access_token nor interact");
  return g;
}

OpResult<IncomingPayment> parse_incoming_payment(const nlohmann::json& j) {
  IncomingPayment p;
  if (!get_string(j, "id", &p.id)) return bad_shape("incoming payment has no id");
  get_string(j, "walletAddress", &p.wallet_address);
  if (!opt_amount(j, "incomingAmount", &p.incoming_amount) || !opt_amount(j, "receivedAmount", &p.received_amount))
    return bad_shape("incoming payment has a malformed amount");
  if (const auto* c = member(j, "completed"); c && c->is_boolean()) p.completed = c->get<bool>();
  p.expires_at = opt_string(j, "expiresAt");
  p.created_at = opt_string(j, "createdAt");
  if (const auto* m = member(j, "metadata")) p.metadata = *m;
  if (const auto* m = member(j, "methods")) p.methods = *m;
  p.raw = j;
  return p;
}

OpResult<Quote> parse_quote(const nlohmann::json& j) {
  Quote q;
  if (!get_string(j, "id", &q.id)) return bad_shape("quote has no id");
  get_string(j, "walletAddress", &q.wallet_address);
  get_string(j, "receiver", &q.receiver);
  get_string(j, "method", &q.method);
  if (!get_amount(j, "debitAmount", &q.debit_amount) || !get_amount(j, "receiveAmount", &q.receive_amount))
    return bad_shape("quote needs debitAmount and receiveAmount");
  q.created_at = opt_string(j, "createdAt");
  q.expires_at = opt_string(j, "expiresAt");
  q.raw = j;
  return q;
}

OpResult<OutgoingPayment> parse_outgoing_payment(const nlohmann::json& j) {
  OutgoingPayment p;
  if (!get_string(j, "id", &p.id)) return bad_shape("outgoing payment has no id");
  get_string(j, "walletAddress", &p.wallet_address);
  get_string(j, "receiver", &p.receiver);
  p.quote_id = opt_string(j, "quoteId");
  if (const auto* f = member(j, "failed"); f && f->is_boolean()) p.failed = f->get<bool>();
  if (!get_amount(j, "debitAmount", &p.debit_amount) || !get_amount(j, "receiveAmount", &p.receive_amount) ||
      !get_amount(j, "sentAmount", &p.sent_amount))
    return bad_shape("outgoing payment needs debitAmount, receiveAmount and sentAmount");
  if (!opt_amount(j, "grantSpentDebitAmount", &p.grant_spent_debit_amount) ||
      !opt_amount(j, "grantSpentReceiveAmount", &p.grant_spent_receive_amount))
    return bad_shape("outgoing payment has a malformed grantSpent amount");
  if (const auto* m = member(j, "metadata")) p.metadata = *m;
  p.created_at = opt_string(j, "createdAt");
  p.raw = j;
  return p;
}

}  // namespace wm::openpayments
