// An in-process wallet for the streaming-support state machine's unit tests (SupportWallet,
// lib/support/support_wallet.h). Two EUR wallets (the streamer and "alice") on one fake server.
// It keeps what a real wallet would: quotes that pay once, the outgoing-payment grant's limits
// per hourly period (on a clock the test moves), the incoming payment's receivedAmount; and lets
// a test script failures. Conformance with real wallets is the sandbox tests' job.
#pragma once
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "openpayments/finish_hash.h"
#include "support/support_wallet.h"

namespace wm::test {

class FakeSupportWallet : public support::SupportWallet {
 public:
  static constexpr const char* kStreamer = "https://fake.test/streamer";
  static constexpr const char* kAlice = "https://fake.test/alice";
  static constexpr const char* kAuth = "https://auth.fake.test";

  explicit FakeSupportWallet(std::function<int64_t()> clock) : clock_(std::move(clock)) {}

  uint64_t fee_units = 1;          // debit = receive + fee
  uint64_t min_receive = 0;        // quotes below this receive amount are refused (a wallet minimum)
  bool fail_quotes = false;
  std::optional<openpayments::OpError> payment_error;
  int payments_created = 0, revoked = 0, quotes_created = 0;
  uint64_t debited = 0, received = 0;
  std::optional<openpayments::OutgoingLimits> limits;  // of the interactive grant
  std::function<void()> before_payment;                 // called as each payment request arrives

  std::string approve(const std::string& consent_url) {
    std::lock_guard<std::mutex> l(mu_);
    auto& g = grants_.at(consent_url);
    g.approved = true;
    const std::string hash = openpayments::finish_hash({g.nonce, g.finish, "ref1", kAuth});
    std::string enc;
    for (char c : hash) enc += c == '+' ? std::string("%2B") : c == '/' ? std::string("%2F") : c == '=' ? std::string("%3D") : std::string(1, c);
    return "hash=" + enc + "&interact_ref=ref1";
  }

  R<openpayments::WalletAddress> get_wallet_address(const std::string& url) override {
    if (url != kStreamer && url != kAlice) return err(404, "not_found");
    return openpayments::WalletAddress{url, "x", "EUR", 2, kAuth, "https://fake.test", nullptr};
  }
  R<openpayments::Grant> request_grant(const std::string&, const openpayments::GrantRequest& req) override {
    std::lock_guard<std::mutex> l(mu_);
    openpayments::Grant g;
    const std::string n = std::to_string(++seq_);
    if (!req.interact) {
      g.access_token = openpayments::AccessToken{"tok-" + n, "manage-" + n, std::nullopt, nullptr};
      return g;
    }
    limits = req.access.at(0).limits;
    const std::string consent = "https://fake.test/consent/" + n;
    g.interact_redirect = consent;
    g.interact_finish = "finish-" + n;
    g.continuation = openpayments::Continuation{"https://auth.fake.test/continue/" + n, "ct-" + n, 0};
    grants_[consent] = {req.interact->nonce, *g.interact_finish, g.continuation->uri, false};
    return g;
  }
  R<openpayments::Grant> continue_grant(const openpayments::Continuation& c, const std::string&) override {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [consent, g] : grants_)
      if (g.continue_uri == c.uri && g.approved) {
        openpayments::Grant out;
        out.access_token = openpayments::AccessToken{"op-token", "op-manage", std::nullopt, nullptr};
        return out;
      }
    return err(401, "request_denied");
  }
  R<openpayments::Client::PollState> poll_grant(const openpayments::Continuation&) override {
    return openpayments::Client::PollState::denied;
  }
  R<openpayments::Done> cancel_grant(const openpayments::Continuation&) override { return openpayments::Done{}; }
  R<openpayments::Done> revoke_token(const openpayments::AccessToken& t) override {
    std::lock_guard<std::mutex> l(mu_);
    ++revoked;
    if (t.value == "op-token") op_revoked_ = true;
    return openpayments::Done{};
  }
  R<openpayments::AccessToken> rotate_token(const openpayments::AccessToken& t) override { return t; }
  R<openpayments::IncomingPayment> create_incoming_payment(const std::string&, const std::string&,
                                                           const openpayments::IncomingPaymentRequest& r) override {
    openpayments::IncomingPayment ip;
    ip.id = "https://fake.test/incoming-payments/1";
    ip.wallet_address = r.wallet_address;
    ip.expires_at = r.expires_at;
    expires_at = r.expires_at.value_or("");
    return ip;
  }
  R<openpayments::IncomingPayment> get_incoming_payment(const std::string& id, const std::string&) override {
    std::lock_guard<std::mutex> l(mu_);
    openpayments::IncomingPayment ip;
    ip.id = id;
    ip.received_amount = openpayments::Amount{received, "EUR", 2};
    return ip;
  }
  R<openpayments::Quote> create_quote(const std::string&, const std::string&, const openpayments::QuoteRequest& r) override {
    std::lock_guard<std::mutex> l(mu_);
    if (fail_quotes || !r.receive_amount) return err(500, "internal");
    if (r.receive_amount->units < min_receive) return err(400, "invalid_amount");
    openpayments::Quote q;
    q.id = "https://fake.test/quotes/" + std::to_string(++seq_);
    q.receiver = r.receiver;
    q.receive_amount = *r.receive_amount;
    q.debit_amount = q.receive_amount;
    q.debit_amount.units += fee_units;
    quotes_[q.id] = {q, false};
    ++quotes_created;
    return q;
  }
  R<openpayments::OutgoingPayment> create_outgoing_payment(const std::string&, const std::string& token,
                                                           const std::string&, const std::string& quote_id,
                                                           const nlohmann::ordered_json&) override {
    if (before_payment) before_payment();  // outside the lock: a test may hold callers here
    std::lock_guard<std::mutex> l(mu_);
    if (payment_error) return *payment_error;
    if (token != "op-token" || op_revoked_) return err(401, "invalid_token");
    auto q = quotes_.find(quote_id);
    if (q == quotes_.end() || q->second.second) return err(400, "invalid_quote");
    const int64_t period = (clock_() - start_ns()) / 3600000000000LL;
    if (spent_period_ != period) spent_ = 0, spent_period_ = period;
    const uint64_t debit = q->second.first.debit_amount.units;
    if (limits && limits->debit_amount && spent_ + debit > limits->debit_amount->units) return err(403, "unauthorized");
    q->second.second = true;
    spent_ += debit;
    debited += debit;
    received += q->second.first.receive_amount.units;
    ++payments_created;
    openpayments::OutgoingPayment o;  // takes the quote's id, as on Rafiki
    o.id = "https://fake.test/outgoing-payments/" + quote_id.substr(quote_id.find_last_of('/') + 1);
    o.debit_amount = q->second.first.debit_amount;
    o.receive_amount = q->second.first.receive_amount;
    outgoing_[o.id] = o;
    o.grant_spent_debit_amount = openpayments::Amount{spent_, "EUR", 2};
    return o;
  }
  R<openpayments::OutgoingPayment> get_outgoing_payment(const std::string& id, const std::string&) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = outgoing_.find(id);
    if (it == outgoing_.end()) return err(404, "not_found");
    return it->second;
  }
  R<std::optional<openpayments::Amount>> grant_spent(const std::string&, const std::string&) override {
    std::lock_guard<std::mutex> l(mu_);
    const int64_t period = (clock_() - start_ns()) / 3600000000000LL;
    return std::optional<openpayments::Amount>(openpayments::Amount{spent_period_ == period ? spent_ : 0, "EUR", 2});
  }
  std::string expires_at;
  int64_t interval_start_ns = 0;  // set by the test (the grant's interval start)

 private:
  int64_t start_ns() const { return interval_start_ns; }
  static openpayments::OpError err(int status, const char* code) { return {status, code, code, "", 0}; }
  struct Interactive {
    std::string nonce, finish, continue_uri;
    bool approved = false;
  };
  std::function<int64_t()> clock_;
  std::mutex mu_;
  int seq_ = 0;
  std::map<std::string, Interactive> grants_;
  std::map<std::string, std::pair<openpayments::Quote, bool>> quotes_;
  std::map<std::string, openpayments::OutgoingPayment> outgoing_;
  uint64_t spent_ = 0;
  int64_t spent_period_ = -1;
  bool op_revoked_ = false;
};

}  // namespace wm::test
