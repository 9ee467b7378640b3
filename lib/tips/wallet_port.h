// The Open Payments operations the tip service needs, and nothing more: the seam between the
// tip state machine (tip_service.h) and the wallets. Production: OpenPaymentsWallet wraps
// openpayments::Client (signed requests, SSRF guard). Tests: tests/tips/fake_wallet.h, an
// in-process wallet whose answers a test scripts, so the state machine runs without the sandbox.
//
// Contract: the same as the matching openpayments::Client methods (client.h), including their
// error codes (OpError::code, http_status, wait_seconds for "too_fast"). Implementations must be
// safe to call from several threads at once (the tip service's workers).
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "openpayments/client.h"

namespace wm::tips {

class WalletOps {
 public:
  template <typename T>
  using R = openpayments::OpResult<T>;
  virtual ~WalletOps() = default;

  virtual R<openpayments::WalletAddress> get_wallet_address(const std::string& url) = 0;
  virtual R<openpayments::Grant> request_grant(const std::string& auth_server,
                                               const openpayments::GrantRequest& request) = 0;
  virtual R<openpayments::Grant> continue_grant(const openpayments::Continuation& c,
                                                const std::string& interact_ref) = 0;
  virtual R<openpayments::Client::PollState> poll_grant(const openpayments::Continuation& c) = 0;
  virtual R<openpayments::Done> cancel_grant(const openpayments::Continuation& c) = 0;
  virtual R<openpayments::Done> revoke_token(const openpayments::AccessToken& token) = 0;
  virtual R<openpayments::IncomingPayment> create_incoming_payment(
      const std::string& resource_server, const std::string& token,
      const openpayments::IncomingPaymentRequest& request) = 0;
  virtual R<openpayments::IncomingPayment> get_incoming_payment(const std::string& id, const std::string& token) = 0;
  virtual R<openpayments::IncomingPayment> complete_incoming_payment(const std::string& id,
                                                                     const std::string& token) = 0;
  virtual R<openpayments::Quote> create_quote(const std::string& resource_server, const std::string& token,
                                              const openpayments::QuoteRequest& request) = 0;
  virtual R<openpayments::OutgoingPayment> create_outgoing_payment_from_quote(
      const std::string& resource_server, const std::string& token, const std::string& wallet_address,
      const std::string& quote_id, const nlohmann::ordered_json& metadata) = 0;
  virtual R<openpayments::OutgoingPayment> get_outgoing_payment(const std::string& id, const std::string& token) = 0;
};

// The production adapter: every call goes to the wrapped client unchanged.
class OpenPaymentsWallet final : public WalletOps {
 public:
  explicit OpenPaymentsWallet(openpayments::Client& client) : c_(client) {}
  R<openpayments::WalletAddress> get_wallet_address(const std::string& url) override;
  R<openpayments::Grant> request_grant(const std::string& auth_server, const openpayments::GrantRequest& request) override;
  R<openpayments::Grant> continue_grant(const openpayments::Continuation& c, const std::string& interact_ref) override;
  R<openpayments::Client::PollState> poll_grant(const openpayments::Continuation& c) override;
  R<openpayments::Done> cancel_grant(const openpayments::Continuation& c) override;
  R<openpayments::Done> revoke_token(const openpayments::AccessToken& token) override;
  R<openpayments::IncomingPayment> create_incoming_payment(const std::string& resource_server, const std::string& token,
                                                           const openpayments::IncomingPaymentRequest& request) override;
  R<openpayments::IncomingPayment> get_incoming_payment(const std::string& id, const std::string& token) override;
  R<openpayments::IncomingPayment> complete_incoming_payment(const std::string& id, const std::string& token) override;
  R<openpayments::Quote> create_quote(const std::string& resource_server, const std::string& token,
                                      const openpayments::QuoteRequest& request) override;
  R<openpayments::OutgoingPayment> create_outgoing_payment_from_quote(const std::string& resource_server,
                                                                      const std::string& token,
                                                                      const std::string& wallet_address,
                                                                      const std::string& quote_id,
                                                                      const nlohmann::ordered_json& metadata) override;
  R<openpayments::OutgoingPayment> get_outgoing_payment(const std::string& id, const std::string& token) override;

 private:
  openpayments::Client& c_;
};

}  // namespace wm::tips
