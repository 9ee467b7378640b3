// The Open Payments operations streaming support needs: the seam between the support state
// machine and the wallets (like tips/wallet_port.h). Production: SupportOpenPayments wraps
// openpayments::Client. Tests: tests/supportpay/fake_support_wallet.h.
// Contract: as the matching openpayments::Client methods (client.h), same error codes. Safe to
// call from several threads.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "openpayments/client.h"

namespace wm::support {

class SupportWallet {
 public:
  template <typename T>
  using R = openpayments::OpResult<T>;
  virtual ~SupportWallet() = default;
  virtual R<openpayments::WalletAddress> get_wallet_address(const std::string& url) = 0;
  virtual R<openpayments::Grant> request_grant(const std::string& as, const openpayments::GrantRequest& g) = 0;
  virtual R<openpayments::Grant> continue_grant(const openpayments::Continuation& c, const std::string& ref) = 0;
  virtual R<openpayments::Client::PollState> poll_grant(const openpayments::Continuation& c) = 0;
  virtual R<openpayments::Done> cancel_grant(const openpayments::Continuation& c) = 0;
  virtual R<openpayments::Done> revoke_token(const openpayments::AccessToken& t) = 0;
  virtual R<openpayments::AccessToken> rotate_token(const openpayments::AccessToken& t) = 0;
  virtual R<openpayments::IncomingPayment> create_incoming_payment(const std::string& rs, const std::string& token,
                                                                   const openpayments::IncomingPaymentRequest& r) = 0;
  virtual R<openpayments::IncomingPayment> get_incoming_payment(const std::string& id, const std::string& token) = 0;
  virtual R<openpayments::Quote> create_quote(const std::string& rs, const std::string& token,
                                              const openpayments::QuoteRequest& r) = 0;
  virtual R<openpayments::OutgoingPayment> create_outgoing_payment(const std::string& rs, const std::string& token,
                                                                   const std::string& wallet,
                                                                   const std::string& quote_id,
                                                                   const nlohmann::ordered_json& metadata) = 0;
  virtual R<openpayments::OutgoingPayment> get_outgoing_payment(const std::string& id, const std::string& token) = 0;
  // What the token's outgoing-payment grant spent in the wallet's current interval window.
  virtual R<std::optional<openpayments::Amount>> grant_spent(const std::string& rs, const std::string& token) = 0;
};

class SupportOpenPayments final : public SupportWallet {
 public:
  explicit SupportOpenPayments(openpayments::Client& c) : c_(c) {}
  R<openpayments::WalletAddress> get_wallet_address(const std::string& url) override {
    return c_.get_wallet_address(url);
  }
  R<openpayments::Grant> request_grant(const std::string& as, const openpayments::GrantRequest& g) override {
    return c_.request_grant(as, g);
  }
  R<openpayments::Grant> continue_grant(const openpayments::Continuation& c, const std::string& ref) override {
    return c_.continue_grant(c, ref);
  }
  R<openpayments::Client::PollState> poll_grant(const openpayments::Continuation& c) override {
    return c_.poll_grant(c);
  }
  R<openpayments::Done> cancel_grant(const openpayments::Continuation& c) override { return c_.cancel_grant(c); }
  R<openpayments::Done> revoke_token(const openpayments::AccessToken& t) override { return c_.revoke_token(t); }
  R<openpayments::AccessToken> rotate_token(const openpayments::AccessToken& t) override {
    return c_.rotate_token(t);
  }
  R<openpayments::IncomingPayment> create_incoming_payment(const std::string& rs, const std::string& token,
                                                           const openpayments::IncomingPaymentRequest& r) override {
    return c_.create_incoming_payment(rs, token, r);
  }
  R<openpayments::IncomingPayment> get_incoming_payment(const std::string& id, const std::string& token) override {
    return c_.get_incoming_payment(id, token);
  }
  R<openpayments::Quote> create_quote(const std::string& rs, const std::string& token,
                                      const openpayments::QuoteRequest& r) override {
    return c_.create_quote(rs, token, r);
  }
  R<openpayments::OutgoingPayment> create_outgoing_payment(const std::string& rs, const std::string& token,
                                                           const std::string& wallet, const std::string& quote_id,
                                                           const nlohmann::ordered_json& metadata) override {
    return c_.create_outgoing_payment_from_quote(rs, token, wallet, quote_id, metadata);
  }
  R<openpayments::OutgoingPayment> get_outgoing_payment(const std::string& id, const std::string& token) override {
    return c_.get_outgoing_payment(id, token);
  }
  R<std::optional<openpayments::Amount>> grant_spent(const std::string& rs, const std::string& token) override {
    return c_.get_outgoing_payment_grant_spent(rs, token);
  }

 private:
  openpayments::Client& c_;
};

}  // namespace wm::support
