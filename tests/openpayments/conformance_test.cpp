// Our Open Payments client against the Node sandbox, which checks every request and response
// with Interledger's own libraries (@interledger/http-signature-utils, @interledger/openapi).
// Every case ends by asserting that the sandbox recorded no validation or signature failure.
#include <catch2/catch.hpp>

#include "openpayments/client.h"
#include "net/ssrf.h"
#include "support/sandbox.h"

using namespace wm::openpayments;
using wm::test::Sandbox;

namespace {

struct Fixture {
  Sandbox sb;
  std::shared_ptr<const PrivateKey> key;
  std::unique_ptr<Client> client;
  WalletAddress streamer, alice;

  explicit Fixture(long timeout_ms = 15000, const std::string& identity = "streamer") {
    auto k = PrivateKey::generate();
    REQUIRE(k);
    key = std::make_shared<const PrivateKey>(std::move(*k));
    sb.register_key(identity, key->public_jwk("conformance-key"));
    client = make_client(key, "conformance-key", identity, timeout_ms);
    auto s = client->get_wallet_address(sb.wallet("streamer"));
    REQUIRE(s);
    streamer = *s;
    auto a = client->get_wallet_address(sb.wallet("alice"));
    REQUIRE(a);
    alice = *a;
  }

  std::unique_ptr<Client> make_client(std::shared_ptr<const PrivateKey> k, const std::string& kid,
                                      const std::string& identity, long timeout_ms) {
    ClientConfig cfg;
    cfg.client_wallet_address = sb.wallet(identity);
    cfg.key_id = kid;
    cfg.key = std::move(k);
    auto hosts = parse_dev_hosts(sb.dev_host());
    REQUIRE(hosts);
    cfg.transport.dev_hosts = *hosts;
    cfg.transport.timeout_ms = timeout_ms;
    cfg.transport.retry_backoff_ms = 10;
    return std::make_unique<Client>(cfg);
  }

  void no_failures() {
    auto f = sb.failures();
    INFO(f.dump(2));
    CHECK(f["count"] == 0);
  }

  std::string token(const WalletAddress& w, const std::string& type, std::vector<std::string> actions) {
    GrantRequest g;
    g.access.push_back({type, std::move(actions), std::nullopt, std::nullopt});
    auto r = client->request_grant(w.auth_server, g);
    INFO((r ? "" : r.error().message()));
    REQUIRE(r);
    REQUIRE(r->access_token);
    return r->access_token->value;
  }

  IncomingPayment incoming(const std::string& value) {
    IncomingPaymentRequest req;
    req.wallet_address = streamer.id;
    req.incoming_amount = Amount{std::stoull(value), "EUR", 2};
    auto ip = client->create_incoming_payment(streamer.resource_server,
                                              token(streamer, "incoming-payment", {"create", "read", "complete"}), req);
    INFO((ip ? "" : ip.error().message()));
    REQUIRE(ip);
    return *ip;
  }

  Quote quote(const WalletAddress& sender, const std::string& receiver, const std::string& quote_token) {
    QuoteRequest q;
    q.wallet_address = sender.id;
    q.receiver = receiver;
    auto r = client->create_quote(sender.resource_server, quote_token, q);
    INFO((r ? "" : r.error().message()));
    REQUIRE(r);
    return *r;
  }

  struct Pending {
    Grant grant;
    std::string nonce;
  };
  Pending interactive(const WalletAddress& sender, const Amount& debit, const std::string& receiver) {
    GrantRequest g;
    OutgoingLimits limits;
    limits.debit_amount = debit;
    if (!receiver.empty()) limits.receiver = receiver;
    g.access.push_back({"outgoing-payment", {"create", "read"}, sender.id, limits});
    std::string nonce = new_nonce();
    g.interact = InteractRequest{"http://127.0.0.1:9/finish", nonce};
    auto r = client->request_grant(sender.auth_server, g);
    INFO((r ? "" : r.error().message()));
    REQUIRE(r);
    REQUIRE(r->interact_redirect);
    REQUIRE(r->interact_finish);
    REQUIRE(r->continuation);
    return {*r, nonce};
  }

  // Approves the pending interaction, checks the finish hash and continues (after `wait`).
  AccessToken approve(const WalletAddress& sender, const Pending& p) {
    auto redirect = parse_finish_redirect(sb.decide_latest("accept"));
    REQUIRE(redirect.outcome == FinishRedirect::Outcome::approved);
    CHECK(verify_interaction_hash(redirect.hash, p.nonce, *p.grant.interact_finish, redirect.interact_ref,
                                  sender.auth_server));
    CHECK_FALSE(verify_interaction_hash(redirect.hash, new_nonce(), *p.grant.interact_finish, redirect.interact_ref,
                                        sender.auth_server));
    auto early = client->continue_grant(*p.grant.continuation, redirect.interact_ref);
    REQUIRE_FALSE(early);  // the sandbox asks for `wait` seconds, like the reference
    CHECK(early.error().code == "too_fast");
    CHECK(early.error().wait_seconds > 0);
    sb.advance_clock(p.grant.continuation->wait + 1);
    auto done = client->continue_grant(*p.grant.continuation, redirect.interact_ref);
    INFO((done ? "" : done.error().message()));
    REQUIRE(done);
    REQUIRE(done->access_token);
    return *done->access_token;
  }
};

}  // namespace

TEST_CASE("conformance: a whole tip flow, read back") {
  Fixture f;
  auto ip = f.incoming("500");
  auto q = f.quote(f.alice, ip.id, f.token(f.alice, "quote", {"create", "read"}));
  CHECK(q.receive_amount.units == 500);
  CHECK(q.receive_amount.asset_code == "EUR");
  auto pending = f.interactive(f.alice, q.debit_amount, ip.id);
  auto token = f.approve(f.alice, pending);
  auto op = f.client->create_outgoing_payment_from_quote(f.alice.resource_server, token.value, f.alice.id, q.id);
  INFO((op ? "" : op.error().message()));
  REQUIRE(op);
  CHECK_FALSE(op->failed);
  CHECK(op->debit_amount.units == q.debit_amount.units);
  auto back = f.client->get_outgoing_payment(op->id, token.value);
  REQUIRE(back);
  CHECK(back->id == op->id);
  CHECK(back->sent_amount.units == op->sent_amount.units);
  auto received = f.client->get_incoming_payment(ip.id, f.token(f.streamer, "incoming-payment", {"read"}));
  REQUIRE(received);
  REQUIRE(received->received_amount);
  CHECK(received->received_amount->units == 500);
  f.no_failures();
}

TEST_CASE("conformance: a second payment beyond the granted debit amount fails") {
  Fixture f;
  auto first = f.incoming("300");
  auto quote_token = f.token(f.alice, "quote", {"create", "read"});
  auto q1 = f.quote(f.alice, first.id, quote_token);
  auto pending = f.interactive(f.alice, q1.debit_amount, "");
  // No receiver limit: the grant only caps the total debit.
  auto token = f.approve(f.alice, pending);
  auto op1 = f.client->create_outgoing_payment_from_quote(f.alice.resource_server, token.value, f.alice.id, q1.id);
  REQUIRE(op1);
  auto second = f.incoming("300");
  auto q2 = f.quote(f.alice, second.id, quote_token);
  auto op2 = f.client->create_outgoing_payment_from_quote(f.alice.resource_server, token.value, f.alice.id, q2.id);
  REQUIRE_FALSE(op2);
  CHECK(op2.error().http_status == 403);
  f.no_failures();
}

TEST_CASE("conformance: a denied interaction gives no token") {
  Fixture f;
  auto ip = f.incoming("100");
  auto q = f.quote(f.alice, ip.id, f.token(f.alice, "quote", {"create", "read"}));
  auto pending = f.interactive(f.alice, q.debit_amount, ip.id);
  auto redirect = parse_finish_redirect(f.sb.decide_latest("reject"));
  CHECK(redirect.outcome == FinishRedirect::Outcome::rejected);
  CHECK(redirect.result == "grant_rejected");
  f.sb.advance_clock(pending.grant.continuation->wait + 1);
  auto cont = f.client->continue_grant(*pending.grant.continuation, "made-up-ref");
  CHECK_FALSE(cont);
  auto cancel = f.client->cancel_grant(*pending.grant.continuation);
  CHECK(cancel);
  f.no_failures();
}

TEST_CASE("conformance: an expired quote cannot be paid") {
  Fixture f;
  auto ip = f.incoming("100");
  auto q = f.quote(f.alice, ip.id, f.token(f.alice, "quote", {"create", "read"}));
  auto pending = f.interactive(f.alice, q.debit_amount, ip.id);
  auto token = f.approve(f.alice, pending);
  f.sb.advance_clock(3600);  // quotes live 5 minutes; the token is rotated below if it expired
  auto rotated = f.client->rotate_token(token);
  REQUIRE(rotated);
  auto op = f.client->create_outgoing_payment_from_quote(f.alice.resource_server, rotated->value, f.alice.id, q.id);
  REQUIRE_FALSE(op);
  CHECK(op.error().http_status >= 400);
  f.no_failures();
}

TEST_CASE("conformance: insufficient funds are reported, not charged") {
  Fixture f;
  auto poor = f.client->get_wallet_address(f.sb.wallet("poor"));
  REQUIRE(poor);
  auto ip = f.incoming("5000");
  auto q = f.quote(*poor, ip.id, f.token(*poor, "quote", {"create", "read"}));
  auto pending = f.interactive(*poor, q.debit_amount, ip.id);
  auto token = f.approve(*poor, pending);
  auto op = f.client->create_outgoing_payment_from_quote(poor->resource_server, token.value, poor->id, q.id);
  // The reference either refuses the payment or records it as failed; either way nothing arrives.
  if (op) CHECK(op->failed);
  auto received = f.client->get_incoming_payment(ip.id, f.token(f.streamer, "incoming-payment", {"read"}));
  REQUIRE(received);
  CHECK((!received->received_amount || received->received_amount->units == 0));
  f.no_failures();
}

TEST_CASE("conformance: token rotation invalidates the old token, revocation the new") {
  Fixture f;
  GrantRequest g;
  g.access.push_back({"incoming-payment", {"create", "read"}, std::nullopt, std::nullopt});
  auto grant = f.client->request_grant(f.streamer.auth_server, g);
  REQUIRE(grant);
  REQUIRE(grant->access_token);
  auto rotated = f.client->rotate_token(*grant->access_token);
  REQUIRE(rotated);
  CHECK(rotated->value != grant->access_token->value);
  IncomingPaymentRequest req;
  req.wallet_address = f.streamer.id;
  auto old_use = f.client->create_incoming_payment(f.streamer.resource_server, grant->access_token->value, req);
  CHECK_FALSE(old_use);
  auto new_use = f.client->create_incoming_payment(f.streamer.resource_server, rotated->value, req);
  CHECK(new_use);
  REQUIRE(f.client->revoke_token(*rotated));
  auto after = f.client->create_incoming_payment(f.streamer.resource_server, rotated->value, req);
  CHECK_FALSE(after);
  // Rejections above are the sandbox doing its job, not validation failures of ours.
  auto failures = f.sb.failures();
  for (const auto& x : failures["failures"]) CHECK(x["kind"] != "request-validation");
}

TEST_CASE("conformance: a key the wallet does not publish is a clear configuration error") {
  Fixture f;
  auto other = PrivateKey::generate();
  REQUIRE(other);
  auto rogue = f.make_client(std::make_shared<const PrivateKey>(std::move(*other)), "conformance-key", "streamer", 15000);
  GrantRequest g;
  g.access.push_back({"incoming-payment", {"create"}, std::nullopt, std::nullopt});
  auto r = rogue->request_grant(f.streamer.auth_server, g);
  REQUIRE_FALSE(r);
  CHECK(r.error().http_status == 401);
  CHECK(r.error().code == "signature_rejected");
  CHECK(r.error().message().find("conformance-key") != std::string::npos);
}

TEST_CASE("conformance: a client wallet without publicName is refused before asking") {
  Fixture f(15000, "nobody");
  auto pending_grant = GrantRequest{};
  OutgoingLimits limits;
  limits.debit_amount = Amount{100, "EUR", 2};
  pending_grant.access.push_back({"outgoing-payment", {"create"}, f.alice.id, limits});
  pending_grant.interact = InteractRequest{"http://127.0.0.1:9/finish", new_nonce()};
  auto r = f.client->request_grant(f.alice.auth_server, pending_grant);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "missing_public_name");
}

TEST_CASE("conformance: slow, malformed and oversized responses are typed errors") {
  Fixture f(1500);
  SECTION("slow") {
    f.sb.fault({{"match", "/alice"}, {"delayMs", 4000}, {"times", 2}});
    auto r = f.client->get_wallet_address(f.sb.wallet("alice"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "timeout");
  }
  SECTION("malformed") {
    f.sb.fault({{"match", "/alice"}, {"status", 200}, {"body", "{not json"}, {"times", 2}});
    auto r = f.client->get_wallet_address(f.sb.wallet("alice"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_response");
  }
  SECTION("oversized") {
    f.sb.fault({{"match", "/alice"}, {"status", 200}, {"repeatBytes", 4 << 20}, {"times", 2}});
    auto r = f.client->get_wallet_address(f.sb.wallet("alice"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "response_too_large");
  }
}
