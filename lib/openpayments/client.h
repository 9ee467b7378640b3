// Typed Open Payments client operations (wallet addresses, GNAP grants, incoming payments,
// quotes, outgoing payments). Every AS request and every request carrying a token is signed
// (RFC 9421, signature.h) with the configured key; grant requests name client_wallet_address in
// `client`. URLs are taken as given (wallet address authServer/resourceServer, resource ids), so
// pointing the client at a sandbox is a matter of the wallet address URL plus dev_hosts.
//
// Errors are OpError:
//   http_status     0 when no HTTP response was received
//   code            the server's error code when the body has one ("invalid_client", "too_fast",
//                   "invalid_continuation", "404", ...), otherwise one of ours:
//                   transport failures "transport" "blocked_address" "timeout"
//                   "response_too_large" "invalid_url"; "invalid_response" (not JSON / wrong
//                   shape); "signature_rejected" (a 401 that blames our signature: configuration);
//                   "missing_public_name" (interactive grant, client wallet has no publicName);
//                   "invalid_request" (bad input, nothing sent); "http_error" (no code in body)
//   description     one plain sentence for humans
//   transport_error curl's message for transport failures
//   wait_seconds    too_fast: how long to wait before retrying the continue
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.h"
#include "openpayments/finish_hash.h"
#include "openpayments/keys.h"
#include "openpayments/money.h"
#include "net/transport.h"

namespace wm::openpayments {

// The transport lives in lib/net; these names keep Open Payments callers reading as before.
using net::DevHost;
using net::HttpRequest;
using net::HttpResponse;
using net::Transport;
using net::TransportOptions;
using net::http_error;
using net::json_body;
using net::parse_dev_hosts;

struct OpError {
  int http_status = 0;
  std::string code;
  std::string description;
  std::string transport_error;
  int wait_seconds = 0;
  std::string message() const;  // "<description> (HTTP n, code)"
};

template <typename T>
using OpResult = Result<T, OpError>;
struct Done {};

struct WalletAddress {
  std::string id;
  std::optional<std::string> public_name;
  std::string asset_code;
  int asset_scale = 0;
  std::string auth_server;
  std::string resource_server;
  nlohmann::json raw;
};

// "$wallet.example/alice" -> "https://wallet.example/alice"; "$wallet.example" ->
// "https://wallet.example/.well-known/pay"; anything else unchanged.
std::string wallet_address_url(const std::string& typed);

struct OutgoingLimits {
  std::optional<Amount> debit_amount;
  std::optional<Amount> receive_amount;
  std::optional<std::string> interval;  // "R/2026-01-01T00:00:00Z/PT1H"
  std::optional<std::string> receiver;
};

struct AccessItem {
  std::string type;  // "incoming-payment", "quote", "outgoing-payment"
  std::vector<std::string> actions;
  std::optional<std::string> identifier;
  std::optional<OutgoingLimits> limits;
};

struct InteractRequest {
  std::string finish_uri;
  std::string nonce;  // fresh per grant; see new_nonce()
};

struct GrantRequest {
  std::vector<AccessItem> access;
  std::optional<InteractRequest> interact;  // set for interactive grants
};

struct AccessToken {
  std::string value;
  std::string manage;
  std::optional<int64_t> expires_in;
  nlohmann::json access;  // what was granted
};

struct Continuation {
  std::string uri;
  std::string token;
  int wait = 0;  // seconds; 0 when absent
};

struct Grant {
  std::optional<AccessToken> access_token;  // granted immediately / after continue
  std::optional<std::string> interact_redirect;
  std::optional<std::string> interact_finish;
  std::optional<Continuation> continuation;
  nlohmann::json raw;
};

struct IncomingPaymentRequest {
  std::string wallet_address;
  std::optional<Amount> incoming_amount;
  std::optional<std::string> expires_at;  // RFC 3339
  std::optional<nlohmann::ordered_json> metadata;
};

struct IncomingPayment {
  std::string id;
  std::string wallet_address;
  std::optional<Amount> incoming_amount;
  std::optional<Amount> received_amount;
  bool completed = false;
  std::optional<std::string> expires_at;
  std::optional<std::string> created_at;
  nlohmann::json metadata;
  nlohmann::json methods;
  nlohmann::json raw;
};

struct QuoteRequest {
  std::string wallet_address;  // sender
  std::string receiver;        // incoming payment URL
  std::optional<Amount> debit_amount;    // at most one of the two
  std::optional<Amount> receive_amount;
};

struct Quote {
  std::string id;
  std::string wallet_address;
  std::string receiver;
  Amount debit_amount;
  Amount receive_amount;
  std::string method;
  std::optional<std::string> created_at;
  std::optional<std::string> expires_at;
  nlohmann::json raw;
};

struct OutgoingPayment {
  std::string id;
  std::string wallet_address;
  std::optional<std::string> quote_id;
  std::string receiver;
  bool failed = false;
  Amount debit_amount;
  Amount receive_amount;
  Amount sent_amount;
  std::optional<Amount> grant_spent_debit_amount;
  std::optional<Amount> grant_spent_receive_amount;
  nlohmann::json metadata;
  std::optional<std::string> created_at;
  nlohmann::json raw;
};

struct ClientConfig {
  std::string client_wallet_address;    // grant `client`; must publish key_id in jwks.json
  std::string key_id;
  std::shared_ptr<const PrivateKey> key;
  TransportOptions transport;
  std::function<int64_t()> clock;       // unix seconds for `created`; default: system clock
};

class Client {
 public:
  explicit Client(ClientConfig config);

  // Unsigned GETs.
  OpResult<WalletAddress> get_wallet_address(const std::string& url);
  OpResult<nlohmann::json> get_jwks(const std::string& wallet_address_id);

  // POST <auth_server>. Interactive requests first check the client wallet address has a
  // publicName ("missing_public_name").
  OpResult<Grant> request_grant(const std::string& auth_server, const GrantRequest& request);
  // POST continue.uri {"interact_ref":...}. "too_fast" carries wait_seconds.
  OpResult<Grant> continue_grant(const Continuation& continuation, const std::string& interact_ref);
  OpResult<AccessToken> rotate_token(const AccessToken& token);
  OpResult<Done> revoke_token(const AccessToken& token);
  // POST continue.uri with an empty object: GNAP polling of a pending grant, to confirm an
  // unauthenticated "rejected" redirect. pending: 200 without a token, or too_fast; denied: the
  // AS answers request_denied or invalid_continuation (the grant cannot be approved any more);
  // issued: it answered with an access token (not kept: the tip waits for its redirect).
  // Note: Rafiki answers request_denied to every poll of a grant that has a finish method.
  enum class PollState { pending, denied, issued };
  OpResult<PollState> poll_grant(const Continuation& continuation);
  // DELETE continue.uri; 401 invalid_continuation (already gone) counts as done.
  OpResult<Done> cancel_grant(const Continuation& continuation);

  OpResult<IncomingPayment> create_incoming_payment(const std::string& resource_server,
                                                    const std::string& token,
                                                    const IncomingPaymentRequest& request);
  OpResult<IncomingPayment> get_incoming_payment(const std::string& id, const std::string& token);
  OpResult<IncomingPayment> complete_incoming_payment(const std::string& id, const std::string& token);

  OpResult<Quote> create_quote(const std::string& resource_server, const std::string& token,
                               const QuoteRequest& request);
  OpResult<Quote> get_quote(const std::string& id, const std::string& token);

  OpResult<OutgoingPayment> create_outgoing_payment_from_quote(
      const std::string& resource_server, const std::string& token, const std::string& wallet_address,
      const std::string& quote_id, const std::optional<nlohmann::ordered_json>& metadata = std::nullopt);
  OpResult<OutgoingPayment> create_outgoing_payment_from_incoming(
      const std::string& resource_server, const std::string& token, const std::string& wallet_address,
      const std::string& incoming_payment, const Amount& debit_amount,
      const std::optional<nlohmann::ordered_json>& metadata = std::nullopt);
  OpResult<OutgoingPayment> get_outgoing_payment(const std::string& id, const std::string& token);
  // (client_list.cpp) GET <rs>/incoming-payments?wallet-address=&first=&cursor= with a list or
  // list-all token: one page, oldest first as the server orders it.
  struct IncomingPage {
    std::vector<IncomingPayment> items;
    bool has_next = false;
    std::string end_cursor;
  };
  OpResult<IncomingPage> list_incoming_payments(const std::string& resource_server, const std::string& token,
                                                const std::string& wallet_address, int first,
                                                const std::string& cursor);
  // GET <rs>/outgoing-payment-grant: what the token's grant spent in its current interval window
  // (spentDebitAmount; nullopt when the wallet reports none).
  OpResult<std::optional<Amount>> get_outgoing_payment_grant_spent(const std::string& resource_server,
                                                                  const std::string& token);

  // The request body we would send for a grant (compact JSON, for tests and debugging).
  std::string grant_request_body(const GrantRequest& request) const;

  Transport& transport() { return transport_; }

 private:
  OpResult<nlohmann::json> call(const std::string& method, const std::string& url,
                                const std::optional<std::string>& token,
                                const std::optional<std::string>& body, bool sign);
  ClientConfig config_;
  Transport transport_;
  std::mutex mu_;
  std::optional<WalletAddress> client_wallet_;  // cached for the publicName check
};

// 128 random bits, URL-safe.
std::string new_nonce();

// Verify the finish redirect hash for a pending interactive grant (finish_hash.h rules).
bool verify_interaction_hash(const std::string& received_hash, const std::string& client_nonce,
                             const std::string& interact_finish, const std::string& interact_ref,
                             const std::string& auth_server);

// Parsers, exposed for tests. "invalid_response" on a wrong shape.
OpResult<WalletAddress> parse_wallet_address(const nlohmann::json& json);
OpResult<Grant> parse_grant(const nlohmann::json& json);
OpResult<IncomingPayment> parse_incoming_payment(const nlohmann::json& json);
OpResult<Quote> parse_quote(const nlohmann::json& json);
OpResult<OutgoingPayment> parse_outgoing_payment(const nlohmann::json& json);

}  // namespace wm::openpayments
