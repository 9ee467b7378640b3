#include "tips/wallet_port.h"

namespace wm::tips {

namespace op = openpayments;

WalletOps::R<op::WalletAddress> OpenPaymentsWallet::get_wallet_address(const std::string& url) {
  return c_.get_wallet_address(url);
}
WalletOps::R<op::Grant> OpenPaymentsWallet::request_grant(const std::string& as, const op::GrantRequest& request) {
  return c_.request_grant(as, request);
}
WalletOps::R<op::Grant> OpenPaymentsWallet::continue_grant(const op::Continuation& c, const std::string& ref) {
  return c_.continue_grant(c, ref);
}
WalletOps::R<op::Client::PollState> OpenPaymentsWallet::poll_grant(const op::Continuation& c) {
  return c_.poll_grant(c);
}
WalletOps::R<op::Done> OpenPaymentsWallet::cancel_grant(const op::Continuation& c) { return c_.cancel_grant(c); }
WalletOps::R<op::Done> OpenPaymentsWallet::revoke_token(const op::AccessToken& token) {
  return c_.revoke_token(token);
}
WalletOps::R<op::IncomingPayment> OpenPaymentsWallet::create_incoming_payment(const std::string& rs,
                                                                              const std::string& token,
                                                                              const op::IncomingPaymentRequest& r) {
  return c_.create_incoming_payment(rs, token, r);
}
WalletOps::R<op::IncomingPayment> OpenPaymentsWallet::get_incoming_payment(const std::string& id,
                                                                           const std::string& token) {
  return c_.get_incoming_payment(id, token);
}
WalletOps::R<op::IncomingPayment> OpenPaymentsWallet::complete_incoming_payment(const std::string& id,
                                                                                const std::string& token) {
  return c_.complete_incoming_payment(id, token);
}
WalletOps::R<op::Quote> OpenPaymentsWallet::create_quote(const std::string& rs, const std::string& token,
                                                         const op::QuoteRequest& r) {
  return c_.create_quote(rs, token, r);
}
WalletOps::R<op::OutgoingPayment> OpenPaymentsWallet::create_outgoing_payment_from_quote(
    const std::string& rs, const std::string& token, const std::string& wallet, const std::string& quote_id,
    const nlohmann::ordered_json& metadata) {
  return c_.create_outgoing_payment_from_quote(rs, token, wallet, quote_id, metadata);
}
WalletOps::R<op::OutgoingPayment> OpenPaymentsWallet::get_outgoing_payment(const std::string& id,
                                                                           const std::string& token) {
  return c_.get_outgoing_payment(id, token);
}

}  // namespace wm::tips
