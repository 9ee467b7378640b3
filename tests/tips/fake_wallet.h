// An in-process Open Payments wallet for the tip state machine's unit tests (WalletOps,
// lib/tips/wallet_port.h). Two wallet addresses on one fake server: the streamer and "alice".
// It keeps what a real wallet would (grants, incoming payments, quotes used once, a balance) so a
// test can check that nothing is charged twice, and lets a test script failures. Conformance with
// real wallets is the sandbox tests' job (tip_service_test.cpp); this fake only has to be honest
// about the state the service drives.
#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/timeutil.h"
#include "openpayments/client.h"
#include "openpayments/finish_hash.h"
#include "tips/wallet_port.h"

namespace wm::test {

class FakeWallet : public tips::WalletOps {
 public:
  static constexpr const char* kStreamer = "https://fake.test/streamer";
  static constexpr const char* kAlice = "https://fake.test/alice";
  static constexpr const char* kAuth = "https://auth.fake.test";
  static constexpr const char* kResource = "https://fake.test";

  // Knobs a test sets before acting (all under the fake's lock when read).
  int64_t fee_units = 10;             // debitAmount = tip + fee
  int quote_ttl_s = 600;              // quote expiresAt = now + this
  int continue_wait_s = 0;            // GNAP continue.wait of the interactive grant
  bool deliver = true;                // false: the payment is made but never reaches the streamer
  std::optional<openpayments::OpError> payment_error;   // create_outgoing_payment answers this
  std::optional<openpayments::OpError> continue_error;  // continue_grant answers this
  bool poll_denied = true;            // poll_grant: the grant cannot be approved any more

  struct Counts {
    int outgoing_created = 0, continues = 0, revoked = 0, cancelled_grants = 0, completed_incoming = 0;
    int64_t alice_debited = 0;  // units debited from alice
  };
  Counts counts() {
    std::lock_guard<std::mutex> l(mu_);
    return counts_;
  }

  // What the wallet sends the viewer back with after approval (the callback's query string).
  std::string approve(const std::string& consent_url) {
    std::lock_guard<std::mutex> l(mu_);
    auto& g = grants_.at(consent_url);
    g.approved = true;
    const std::string ref = "ref-" + std::to_string(++seq_);
    g.interact_ref = ref;
    const std::string hash = openpayments::finish_hash({g.nonce, g.finish, ref, kAuth});
    return "hash=" + pct(hash) + "&interact_ref=" + ref;
  }
  static std::string deny() { return "result=grant_rejected"; }

  R<openpayments::WalletAddress> get_wallet_address(const std::string& url) override {
    if (url != kStreamer && url != kAlice) return op_error(404, "not_found", "no such wallet address");
    openpayments::WalletAddress w;
    w.id = url;
    w.asset_code = "EUR";
    w.asset_scale = 2;
    w.auth_server = kAuth;
    w.resource_server = kResource;
    return w;
  }

  R<openpayments::Grant> request_grant(const std::string&, const openpayments::GrantRequest& req) override {
    std::lock_guard<std::mutex> l(mu_);
    openpayments::Grant g;
    const std::string n = std::to_string(++seq_);
    if (!req.interact) {
      g.access_token = openpayments::AccessToken{"tok-" + n, "https://auth.fake.test/token/" + n, std::nullopt, nullptr};
      return g;
    }
    const std::string consent = "https://fake.test/consent/" + n;
    g.interact_redirect = consent;
    g.interact_finish = "finish-" + n;
    g.continuation = openpayments::Continuation{"https://auth.fake.test/continue/" + n, "ct-" + n, continue_wait_s};
    grants_[consent] = Interactive{req.interact->nonce, *g.interact_finish, g.continuation->uri, "", false,
                                   timeutil::now_ns() + int64_t{continue_wait_s} * 1000000000};
    return g;
  }

  R<openpayments::Grant> continue_grant(const openpayments::Continuation& c, const std::string& ref) override {
    std::lock_guard<std::mutex> l(mu_);
    ++counts_.continues;
    if (continue_error) return *continue_error;
    for (auto& [consent, g] : grants_) {
      if (g.continue_uri != c.uri) continue;
      if (timeutil::now_ns() < g.not_before_ns) return op_error(400, "too_fast", "continued too fast", 1);
      if (!g.approved || g.interact_ref != ref || g.continued) return op_error(401, "request_denied", "not approved");
      g.continued = true;
      openpayments::Grant out;
      out.access_token = openpayments::AccessToken{"op-" + consent, "https://auth.fake.test/op", std::nullopt, nullptr};
      return out;
    }
    return op_error(404, "invalid_continuation", "unknown grant");
  }

  R<openpayments::Client::PollState> poll_grant(const openpayments::Continuation&) override {
    return poll_denied ? openpayments::Client::PollState::denied : openpayments::Client::PollState::pending;
  }
  R<openpayments::Done> cancel_grant(const openpayments::Continuation&) override {
    std::lock_guard<std::mutex> l(mu_);
    ++counts_.cancelled_grants;
    return openpayments::Done{};
  }
  R<openpayments::Done> revoke_token(const openpayments::AccessToken&) override {
    std::lock_guard<std::mutex> l(mu_);
    ++counts_.revoked;
    return openpayments::Done{};
  }

  R<openpayments::IncomingPayment> create_incoming_payment(const std::string&, const std::string&,
                                                           const openpayments::IncomingPaymentRequest& r) override {
    std::lock_guard<std::mutex> l(mu_);
    openpayments::IncomingPayment ip;
    ip.id = std::string(kResource) + "/incoming-payments/" + std::to_string(++seq_);
    ip.wallet_address = r.wallet_address;
    ip.incoming_amount = r.incoming_amount;
    ip.received_amount = *r.incoming_amount;
    ip.received_amount->units = 0;
    incoming_[ip.id] = ip;
    return ip;
  }
  R<openpayments::IncomingPayment> get_incoming_payment(const std::string& id, const std::string&) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = incoming_.find(id);
    if (it == incoming_.end()) return op_error(404, "not_found", "no incoming payment");
    return it->second;
  }
  R<openpayments::IncomingPayment> complete_incoming_payment(const std::string& id, const std::string&) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = incoming_.find(id);
    if (it == incoming_.end()) return op_error(404, "not_found", "no incoming payment");
    it->second.completed = true;
    ++counts_.completed_incoming;
    return it->second;
  }

  R<openpayments::Quote> create_quote(const std::string&, const std::string&,
                                      const openpayments::QuoteRequest& r) override {
    std::lock_guard<std::mutex> l(mu_);
    auto ip = incoming_.find(r.receiver);
    if (ip == incoming_.end()) return op_error(400, "invalid_receiver", "unknown receiver");
    openpayments::Quote q;
    q.id = std::string(kResource) + "/quotes/" + std::to_string(++seq_);
    q.wallet_address = r.wallet_address;
    q.receiver = r.receiver;
    q.receive_amount = *ip->second.incoming_amount;
    q.debit_amount = q.receive_amount;
    q.debit_amount.units += static_cast<uint64_t>(fee_units);
    q.expires_at = timeutil::format_rfc3339(timeutil::now_ns() + int64_t{quote_ttl_s} * 1000000000);
    quotes_[q.id] = Quoted{q, false};
    return q;
  }

  R<openpayments::OutgoingPayment> create_outgoing_payment_from_quote(const std::string&, const std::string& token,
                                                                      const std::string& wallet,
                                                                      const std::string& quote_id,
                                                                      const nlohmann::ordered_json&) override {
    std::lock_guard<std::mutex> l(mu_);
    if (payment_error) return *payment_error;
    if (token.rfind("op-", 0) != 0) return op_error(401, "invalid_token", "no outgoing-payment token");
    auto q = quotes_.find(quote_id);
    if (q == quotes_.end() || q->second.used) return op_error(403, "invalid_quote", "quote already used");
    q->second.used = true;
    ++counts_.outgoing_created;
    counts_.alice_debited += static_cast<int64_t>(q->second.quote.debit_amount.units);
    if (deliver) incoming_.at(q->second.quote.receiver).received_amount = q->second.quote.receive_amount;
    openpayments::OutgoingPayment op;
    op.id = std::string(kResource) + "/outgoing-payments/" + std::to_string(++seq_);
    op.wallet_address = wallet;
    op.quote_id = quote_id;
    op.receiver = q->second.quote.receiver;
    op.debit_amount = q->second.quote.debit_amount;
    op.receive_amount = q->second.quote.receive_amount;
    return op;
  }
  R<openpayments::OutgoingPayment> get_outgoing_payment(const std::string& id, const std::string&) override {
    openpayments::OutgoingPayment op;
    op.id = id;
    return op;
  }

 private:
  struct Interactive {
    std::string nonce, finish, continue_uri, interact_ref;
    bool approved = false;
    int64_t not_before_ns = 0;
    bool continued = false;
  };
  struct Quoted {
    openpayments::Quote quote;
    bool used = false;
  };

  static openpayments::OpError op_error(int status, std::string code, std::string description, int wait = 0) {
    return openpayments::OpError{status, std::move(code), std::move(description), "", wait};
  }
  static std::string pct(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
    return out;
  }

  std::mutex mu_;
  int seq_ = 0;
  Counts counts_;
  std::map<std::string, Interactive> grants_;  // by consent URL
  std::map<std::string, openpayments::IncomingPayment> incoming_;
  std::map<std::string, Quoted> quotes_;
};

}  // namespace wm::test
