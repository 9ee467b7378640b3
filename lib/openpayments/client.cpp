#include "openpayments/client.h"

#include <chrono>

#include "core/crypto.h"
#include "core/json_limits.h"
#include "core/text.h"
#include "openpayments/compact_json.h"
#include "openpayments/response_shape.h"
#include "openpayments/signature.h"

namespace wm::openpayments {

using shape::bad_shape;
using shape::get_string;
using shape::local_error;
using shape::member;
using shape::parse_access_token;

namespace {

using ojson = nlohmann::ordered_json;

OpError from_transport(const Error& e) {
  OpError o;
  o.code = e.code;
  o.description = e.message;
  if (e.code == "transport") o.transport_error = e.message;
  return o;
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

ojson amount_json(const Amount& a) {
  ojson j;
  j["value"] = std::to_string(a.units);
  j["assetCode"] = a.asset_code;
  j["assetScale"] = a.asset_scale;
  return j;
}

}  // namespace

std::string wallet_address_url(const std::string& typed) {
  if (typed.empty() || typed[0] != '$') return typed;
  std::string rest = typed.substr(1);
  std::string url = "https://";
  url.append(rest);
  if (rest.find('/') == std::string::npos) url.append("/.well-known/pay");
  return url;
}

std::string new_nonce() { return crypto::random_token(16); }

bool verify_interaction_hash(const std::string& received_hash, const std::string& client_nonce,
                             const std::string& interact_finish, const std::string& interact_ref,
                             const std::string& auth_server) {
  return verify_finish_hash(received_hash, FinishHashInput{client_nonce, interact_finish, interact_ref, auth_server});
}

Client::Client(ClientConfig config) : config_(std::move(config)), transport_(config_.transport) {
  if (!config_.clock)
    config_.clock = [] {
      return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
    };
}

OpResult<nlohmann::json> Client::call(const std::string& method, const std::string& raw_url,
                                      const std::optional<std::string>& token,
                                      const std::optional<std::string>& body, bool sign) {
  auto url = normalize_url(raw_url);
  if (!url) return local_error("invalid_url", url.error().message);
  HttpRequest req;
  req.method = method;
  req.url = *url;
  req.body = body;
  req.headers.push_back({"Accept", "application/json"});
  if (token) {
    std::string auth = "GNAP ";
    auth.append(*token);
    req.headers.push_back({"Authorization", auth});
  }
  if (sign) {
    if (!config_.key) return local_error("invalid_request", "no signing key configured");
    // The signature covers the URL as the server receives it: http:// for a dev host.
    auto received = transport_.url_as_received(*url);
    if (!received) return from_transport(received.error());
    SignRequest s;
    s.method = method;
    s.url = *received;
    s.headers = req.headers;
    s.body = body;
    s.body_is_compact = true;  // every body here comes from compact_json()
    s.key_id = config_.key_id;
    s.created = config_.clock();
    auto signed_headers = sign_request(*config_.key, s);
    if (!signed_headers) return local_error(signed_headers.error().code, signed_headers.error().message);
    for (auto& h : signed_headers->headers) req.headers.push_back(std::move(h));
  } else if (body) {
    req.headers.push_back({"Content-Type", "application/json"});
  }
  auto resp = transport_.send(req);
  if (!resp) return from_transport(resp.error());
  int status = static_cast<int>(resp->status);
  if (status >= 200 && status < 300) {
    if (resp->body.empty()) return nlohmann::json(nullptr);
    auto j = json_body(*resp);
    if (!j) {
      OpError e = local_error("invalid_response", j.error().message);
      e.http_status = status;
      return e;
    }
    return *j;
  }
  // Error response: {"error":{"code","description"}} on AS and RS.
  OpError e;
  e.http_status = status;
  auto j = json_limits::parse_or_discarded(resp->body);
  const nlohmann::json* err = j.is_discarded() ? nullptr : member(j, "error");
  if (err) {
    if (const auto* c = member(*err, "code")) e.code = c->is_string() ? c->get<std::string>() : c->dump();
    get_string(*err, "description", &e.description);
  }
  if (status == 401 && sign &&
      (!err || lower(e.description).find("signature") != std::string::npos)) {
    std::string m = "the server did not accept our signature: is key id ";
    m.append(config_.key_id).append(" registered on wallet address ").append(config_.client_wallet_address);
    m.append("?");
    if (!e.description.empty()) m.append(" (server said: ").append(e.description).append(")");
    e.code = "signature_rejected";
    e.description = m;
    return e;
  }
  if (e.code.empty()) e.code = "http_error";
  if (e.description.empty()) {
    e.description = "request failed: ";
    e.description.append(method).append(" ").append(*url).append(" answered HTTP ").append(std::to_string(status));
  }
  return e;
}

OpResult<WalletAddress> Client::get_wallet_address(const std::string& url) {
  auto j = call("GET", wallet_address_url(url), std::nullopt, std::nullopt, false);
  if (!j) {
    OpError e = j.error();
    if (e.http_status == 404) {
      e.description = "wallet address not found: ";
      e.description.append(url);
    }
    return e;
  }
  return parse_wallet_address(*j);
}

OpResult<nlohmann::json> Client::get_jwks(const std::string& wallet_address_id) {
  std::string url = wallet_address_id;
  url = text::without_trailing_slashes(std::move(url));
  url.append("/jwks.json");
  auto j = call("GET", url, std::nullopt, std::nullopt, false);
  if (!j) return j;
  const auto* keys = member(*j, "keys");
  if (!keys || !keys->is_array()) return bad_shape("jwks.json has no keys array");
  return j;
}

std::string Client::grant_request_body(const GrantRequest& r) const {
  ojson access = ojson::array();
  for (const auto& item : r.access) {
    ojson a;
    a["type"] = item.type;
    a["actions"] = item.actions;
    if (item.identifier) a["identifier"] = *item.identifier;
    if (item.limits) {
      ojson l = ojson::object();
      if (item.limits->receiver) l["receiver"] = *item.limits->receiver;
      if (item.limits->debit_amount) l["debitAmount"] = amount_json(*item.limits->debit_amount);
      if (item.limits->receive_amount) l["receiveAmount"] = amount_json(*item.limits->receive_amount);
      if (item.limits->interval) l["interval"] = *item.limits->interval;
      a["limits"] = l;
    }
    access.push_back(a);
  }
  ojson body;
  body["access_token"]["access"] = access;
  body["client"] = config_.client_wallet_address;
  if (r.interact) {
    body["interact"]["start"] = ojson::array({"redirect"});
    body["interact"]["finish"]["method"] = "redirect";
    body["interact"]["finish"]["uri"] = r.interact->finish_uri;
    body["interact"]["finish"]["nonce"] = r.interact->nonce;
  }
  return compact_json(body);
}

OpResult<Grant> Client::request_grant(const std::string& auth_server, const GrantRequest& request) {
  if (request.access.empty()) return local_error("invalid_request", "a grant request needs at least one access item");
  for (const auto& item : request.access)
    if (item.limits && item.limits->debit_amount && item.limits->receive_amount)
      return local_error("invalid_request", "limits may carry debitAmount or receiveAmount, not both");
  if (request.interact) {
    if (request.interact->nonce.empty() || request.interact->finish_uri.empty())
      return local_error("invalid_request", "an interactive grant needs a finish URI and a nonce");
    std::optional<WalletAddress> cached;
    {
      std::lock_guard lock(mu_);
      cached = client_wallet_;
    }
    if (!cached) {
      auto w = get_wallet_address(config_.client_wallet_address);
      if (!w) {
        OpError e = w.error();
        std::string m = "cannot read the client wallet address ";
        m.append(config_.client_wallet_address).append(": ").append(e.description);
        e.description = m;
        return e;
      }
      cached = *w;
      std::lock_guard lock(mu_);
      client_wallet_ = cached;
    }
    if (!cached->public_name || cached->public_name->empty()) {
      std::string m = "the client wallet address ";
      m.append(config_.client_wallet_address)
          .append(" has no public name; set one in the wallet, since wallets refuse interactive "
                  "grants for clients without a name to show on the consent screen");
      std::lock_guard lock(mu_);
      client_wallet_.reset();  // look again next time
      return local_error("missing_public_name", m);
    }
  }
  auto j = call("POST", auth_server, std::nullopt, grant_request_body(request), true);
  if (!j) return j.error();
  auto g = parse_grant(*j);
  // The browser opens the consent page itself: on a dev host it must use the scheme spoken there.
  if (g && g->interact_redirect) g->interact_redirect = transport_.browser_url(*g->interact_redirect);
  return g;
}

OpResult<Grant> Client::continue_grant(const Continuation& k, const std::string& interact_ref) {
  ojson body;
  body["interact_ref"] = interact_ref;
  auto j = call("POST", k.uri, k.token, compact_json(body), true);
  if (!j) {
    OpError e = j.error();
    if (e.code == "too_fast") e.wait_seconds = k.wait > 0 ? k.wait : 5;
    return e;
  }
  return parse_grant(*j);
}

OpResult<Client::PollState> Client::poll_grant(const Continuation& k) {
  auto j = call("POST", k.uri, k.token, std::string("{}"), true);
  if (!j) {
    const OpError& e = j.error();
    if (e.code == "request_denied" || e.code == "invalid_continuation") return PollState::denied;
    if (e.code == "too_fast") return PollState::pending;
    return e;
  }
  return member(*j, "access_token") ? PollState::issued : PollState::pending;
}

OpResult<AccessToken> Client::rotate_token(const AccessToken& token) {
  if (token.manage.empty()) return local_error("invalid_request", "the token has no manage URL");
  auto j = call("POST", token.manage, token.value, std::nullopt, true);
  if (!j) return j.error();
  const auto* t = member(*j, "access_token");
  if (!t) return bad_shape("rotation response has no access_token");
  return parse_access_token(*t);
}

OpResult<Done> Client::revoke_token(const AccessToken& token) {
  if (token.manage.empty()) return local_error("invalid_request", "the token has no manage URL");
  auto j = call("DELETE", token.manage, token.value, std::nullopt, true);
  if (!j) return j.error();
  return Done{};
}

OpResult<Done> Client::cancel_grant(const Continuation& k) {
  auto j = call("DELETE", k.uri, k.token, std::nullopt, true);
  if (!j) {
    if (j.error().http_status == 401 && j.error().code == "invalid_continuation") return Done{};
    return j.error();
  }
  return Done{};
}

OpResult<IncomingPayment> Client::create_incoming_payment(const std::string& rs, const std::string& token,
                                                          const IncomingPaymentRequest& r) {
  ojson body;
  body["walletAddress"] = r.wallet_address;
  if (r.incoming_amount) body["incomingAmount"] = amount_json(*r.incoming_amount);
  if (r.expires_at) body["expiresAt"] = *r.expires_at;
  if (r.metadata) body["metadata"] = *r.metadata;
  std::string url = rs;
  url = text::without_trailing_slashes(std::move(url));
  url.append("/incoming-payments");
  auto j = call("POST", url, token, compact_json(body), true);
  if (!j) return j.error();
  return parse_incoming_payment(*j);
}

OpResult<IncomingPayment> Client::get_incoming_payment(const std::string& id, const std::string& token) {
  auto j = call("GET", id, token, std::nullopt, true);
  if (!j) return j.error();
  return parse_incoming_payment(*j);
}

OpResult<IncomingPayment> Client::complete_incoming_payment(const std::string& id, const std::string& token) {
  std::string url = id;
  url.append("/complete");
  auto j = call("POST", url, token, std::nullopt, true);
  if (!j) return j.error();
  return parse_incoming_payment(*j);
}

OpResult<Quote> Client::create_quote(const std::string& rs, const std::string& token, const QuoteRequest& r) {
  if (r.debit_amount && r.receive_amount)
    return local_error("invalid_request", "a quote takes debitAmount or receiveAmount, not both");
  ojson body;
  body["walletAddress"] = r.wallet_address;
  body["receiver"] = r.receiver;
  body["method"] = "ilp";
  if (r.debit_amount) body["debitAmount"] = amount_json(*r.debit_amount);
  if (r.receive_amount) body["receiveAmount"] = amount_json(*r.receive_amount);
  std::string url = rs;
  url = text::without_trailing_slashes(std::move(url));
  url.append("/quotes");
  auto j = call("POST", url, token, compact_json(body), true);
  if (!j) return j.error();
  return parse_quote(*j);
}

OpResult<Quote> Client::get_quote(const std::string& id, const std::string& token) {
  auto j = call("GET", id, token, std::nullopt, true);
  if (!j) return j.error();
  return parse_quote(*j);
}

namespace {
std::string outgoing_url(const std::string& rs) {
  std::string url = rs;
  url = text::without_trailing_slashes(std::move(url));
  url.append("/outgoing-payments");
  return url;
}
}  // namespace

OpResult<OutgoingPayment> Client::create_outgoing_payment_from_quote(
    const std::string& rs, const std::string& token, const std::string& wallet_address,
    const std::string& quote_id, const std::optional<nlohmann::ordered_json>& metadata) {
  ojson body;
  body["walletAddress"] = wallet_address;
  body["quoteId"] = quote_id;
  if (metadata) body["metadata"] = *metadata;
  auto j = call("POST", outgoing_url(rs), token, compact_json(body), true);
  if (!j) return j.error();
  return parse_outgoing_payment(*j);
}

OpResult<OutgoingPayment> Client::create_outgoing_payment_from_incoming(
    const std::string& rs, const std::string& token, const std::string& wallet_address,
    const std::string& incoming_payment, const Amount& debit_amount,
    const std::optional<nlohmann::ordered_json>& metadata) {
  ojson body;
  body["walletAddress"] = wallet_address;
  body["incomingPayment"] = incoming_payment;
  body["debitAmount"] = amount_json(debit_amount);
  if (metadata) body["metadata"] = *metadata;
  auto j = call("POST", outgoing_url(rs), token, compact_json(body), true);
  if (!j) return j.error();
  return parse_outgoing_payment(*j);
}

OpResult<OutgoingPayment> Client::get_outgoing_payment(const std::string& id, const std::string& token) {
  auto j = call("GET", id, token, std::nullopt, true);
  if (!j) return j.error();
  return parse_outgoing_payment(*j);
}

}  // namespace wm::openpayments
