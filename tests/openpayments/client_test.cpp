#include "openpayments/client.h"

#include <httplib.h>
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

#include "app/commands.h"
#include "openpayments/compact_json.h"
#include "openpayments/signature.h"
#include "openpayments/vectors.h"
#include "support/test_support.h"

using namespace wm::openpayments;
using nlohmann::json;

namespace {

const char* kIncoming = R"({"id":"%B%/rs/incoming-payments/ip1","walletAddress":"%B%/streamer",
 "incomingAmount":{"value":"500","assetCode":"USD","assetScale":2},
 "receivedAmount":{"value":"0","assetCode":"USD","assetScale":2},
 "completed":false,"expiresAt":"2026-01-01T00:10:00.000Z","metadata":{"description":"Tip"},
 "createdAt":"2026-01-01T00:00:00.000Z",
 "methods":[{"type":"ilp","ilpAddress":"test.rafiki.abc","sharedSecret":"c2VjcmV0"}]})";

const char* kQuote = R"({"id":"%B%/rs/quotes/q1","walletAddress":"%B%/viewer","receiver":"%B%/rs/incoming-payments/ip1",
 "debitAmount":{"value":"520","assetCode":"USD","assetScale":2},
 "receiveAmount":{"value":"500","assetCode":"USD","assetScale":2},
 "method":"ilp","createdAt":"2026-01-01T00:00:00.000Z","expiresAt":"2026-01-01T00:05:00.000Z"})";

const char* kOutgoing = R"({"id":"%B%/rs/outgoing-payments/op1","walletAddress":"%B%/viewer",
 "quoteId":"%B%/rs/quotes/q1","receiver":"%B%/rs/incoming-payments/ip1","failed":false,
 "debitAmount":{"value":"520","assetCode":"USD","assetScale":2},
 "receiveAmount":{"value":"500","assetCode":"USD","assetScale":2},
 "sentAmount":{"value":"0","assetCode":"USD","assetScale":2},
 "grantSpentDebitAmount":{"value":"520","assetCode":"USD","assetScale":2},
 "grantSpentReceiveAmount":{"value":"500","assetCode":"USD","assetScale":2},
 "metadata":{"description":"Tip for Sam"},"createdAt":"2026-01-01T00:00:01.000Z"})";

std::string fill(std::string text, const std::string& base) {
  for (size_t at = text.find("%B%"); at != std::string::npos; at = text.find("%B%", at + base.size()))
    text.replace(at, 3, base);
  return text;
}

struct Seen {
  std::string method, path, body, authorization, content_type;
};

// A fake Open Payments wallet (wallet addresses + AS + RS) on 127.0.0.1 that verifies every
// signature it is sent with verify_request and answers with reference-shaped bodies.
struct FakeWallet {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::string base;
  std::string public_raw;
  std::mutex mu;
  std::vector<std::string> failures;  // signature verification failures
  std::vector<Seen> seen;
  std::atomic<bool> too_fast{false};
  std::atomic<bool> reject_signature{false};

  explicit FakeWallet(std::string pub) : public_raw(std::move(pub)) {
    port = server.bind_to_any_port("127.0.0.1");
    base = "https://127.0.0.1:";
    base.append(std::to_string(port));
    auto wallet = [this](const std::string& name, bool with_name) {
      json w = {{"id", base + "/" + name}, {"assetCode", "USD"}, {"assetScale", 2},
                {"authServer", base + "/auth"}, {"resourceServer", base + "/rs"}};
      if (with_name) w["publicName"] = "Owncast WM";
      return w.dump();
    };
    server.Get("/client", [=](const httplib::Request&, httplib::Response& res) {
      res.set_content(wallet("client", true), "application/json");
    });
    server.Get("/noname", [=](const httplib::Request&, httplib::Response& res) {
      res.set_content(wallet("noname", false), "application/json");
    });
    server.Get("/client/jwks.json", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"abc","kid":"k1","alg":"EdDSA"}]})",
                      "application/json");
    });
    server.Get("/garbage", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{\"id\":", "application/json");
    });
    server.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content(R"({"error":{"code":"404","description":"Could not get wallet address"}})", "application/json");
    });
    server.Post("/auth", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      auto body = json::parse(req.body);
      if (body.contains("interact")) {
        res.set_content(fill(R"({"interact":{"redirect":"%B%/interact/abc/EA6A?clientName=Owncast","finish":"EA6A8EA948ED6A80"},
          "continue":{"access_token":{"value":"CABC8BB8E10D0E1DCC7E"},"uri":"%B%/continue/61c0","wait":5}})", base),
                        "application/json");
      } else {
        res.set_content(fill(R"({"access_token":{"value":"OS9M2PMHKUR64TB8N6BW","manage":"%B%/token/dd17","expires_in":600,
          "access":[{"type":"incoming-payment","actions":["create","read","complete"],"identifier":"%B%/streamer"}]},
          "continue":{"access_token":{"value":"33OMUKMKSKU80UPRY5NM"},"uri":"%B%/continue/4CF4"}})", base),
                        "application/json");
      }
    });
    server.Post("/continue/61c0", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      if (too_fast) {
        res.status = 400;
        res.set_content(R"({"error":{"code":"too_fast","description":"continued too quickly"}})", "application/json");
        return;
      }
      res.set_content(fill(R"({"access_token":{"value":"OUTGOING1","manage":"%B%/token/out1","expires_in":600,
        "access":[{"type":"outgoing-payment","actions":["create","read"],"identifier":"%B%/viewer"}]},
        "continue":{"access_token":{"value":"CONT2"},"uri":"%B%/continue/61c0"}})", base), "application/json");
    });
    server.Delete("/continue/61c0", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      res.status = 204;
    });
    server.Post("/token/dd17", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      res.set_content(fill(R"({"access_token":{"value":"ROTATED","manage":"%B%/token/ee18","expires_in":600,"access":[]}})", base),
                      "application/json");
    });
    server.Delete("/token/dd17", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      res.status = 204;
    });
    server.Post("/rs/incoming-payments", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      res.status = 201;
      res.set_content(fill(kIncoming, base), "application/json");
    });
    server.Get("/rs/incoming-payments/ip1", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      res.set_content(fill(kIncoming, base), "application/json");
    });
    server.Post("/rs/incoming-payments/ip1/complete", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      auto j = json::parse(fill(kIncoming, base));
      j["completed"] = true;
      res.set_content(j.dump(), "application/json");
    });
    server.Post("/rs/quotes", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      res.status = 201;
      res.set_content(fill(kQuote, base), "application/json");
    });
    server.Get("/rs/quotes/q1", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      res.set_content(fill(kQuote, base), "application/json");
    });
    server.Post("/rs/outgoing-payments", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      res.status = 201;
      res.set_content(fill(kOutgoing, base), "application/json");
    });
    server.Get("/rs/outgoing-payments/op1", [this](const httplib::Request& req, httplib::Response& res) {
      if (!check(req, res)) return;
      auto j = json::parse(fill(kOutgoing, base));
      j.erase("grantSpentDebitAmount");
      j.erase("grantSpentReceiveAmount");
      res.set_content(j.dump(), "application/json");
    });
    thread = std::thread([this] { server.listen_after_bind(); });
    for (int i = 0; i < 200 && !server.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~FakeWallet() {
    server.stop();
    if (thread.joinable()) thread.join();
  }

  // Verifies the signature like Rafiki: @target-uri is the request as received, i.e. the scheme
  // of the connection (plain http here, though ids say https) + Host + request-target. On failure
  // answers 401 the way Rafiki's AS does.
  bool check(const httplib::Request& req, httplib::Response& res) {
    ReceivedRequest r;
    r.method = req.method;
    r.url = "http://";
    r.url.append(req.get_header_value("Host")).append(req.target);
    for (const auto& [k, v] : req.headers) r.headers.push_back({k, v});
    if (!req.body.empty()) r.body = req.body;
    auto st = verify_request(public_raw, r);
    std::lock_guard lock(mu);
    seen.push_back({req.method, req.path, req.body, req.get_header_value("Authorization"),
                    req.get_header_value("Content-Type")});
    if (!st || reject_signature) {
      if (!st) failures.push_back(req.method + " " + req.path + ": " + st.error().message);
      res.status = 401;
      res.set_content(R"({"error":{"code":"invalid_client","description":"invalid signature"}})", "application/json");
      return false;
    }
    return true;
  }
  Seen last() {
    std::lock_guard lock(mu);
    return seen.empty() ? Seen{} : seen.back();
  }
};

struct Fixture {
  std::shared_ptr<const PrivateKey> key;
  std::unique_ptr<FakeWallet> wallet;
  std::unique_ptr<Client> client;

  Fixture() {
    auto k = PrivateKey::generate();
    REQUIRE(k.ok());
    key = std::make_shared<const PrivateKey>(std::move(k.value()));
    wallet = std::make_unique<FakeWallet>(key->public_raw());
    client = make_client("/client");
  }
  std::unique_ptr<Client> make_client(const std::string& client_path) {
    ClientConfig cfg;
    cfg.client_wallet_address = wallet->base + client_path;
    cfg.key_id = "k1";
    cfg.key = key;
    cfg.transport.dev_hosts.push_back({"127.0.0.1", wallet->port});
    cfg.transport.retry_backoff_ms = 10;
    cfg.clock = [] { return int64_t{1767225600}; };
    return std::make_unique<Client>(std::move(cfg));
  }
  std::string url(const std::string& path) const { return wallet->base + path; }
  Amount usd(const char* value) const { return Amount{std::stoull(value), "USD", 2}; }
};

}  // namespace

TEST_CASE("openpayments: client reads a wallet address document") {
  Fixture f;
  auto w = f.client->get_wallet_address(f.url("/client"));
  REQUIRE(w.ok());
  CHECK(w->id == f.url("/client"));
  CHECK(w->public_name == std::optional<std::string>("Owncast WM"));
  CHECK(w->asset_code == "USD");
  CHECK(w->asset_scale == 2);
  CHECK(w->auth_server == f.url("/auth"));
  CHECK(w->resource_server == f.url("/rs"));
  auto jwks = f.client->get_jwks(w->id);
  REQUIRE(jwks.ok());
  CHECK((*jwks)["keys"][0]["kid"] == "k1");
}

TEST_CASE("openpayments: client reports an unknown wallet address as not found") {
  Fixture f;
  auto w = f.client->get_wallet_address(f.url("/missing"));
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().http_status == 404);
  CHECK(w.error().description.find("not found") != std::string::npos);
}

TEST_CASE("openpayments: client reports malformed JSON as invalid_response") {
  Fixture f;
  auto w = f.client->get_wallet_address(f.url("/garbage"));
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().code == "invalid_response");
  CHECK(w.error().http_status == 200);
  auto shape = f.client->get_jwks(f.url("/client"));  // /client/jwks.json is fine
  CHECK(shape.ok());
  auto wrong = parse_wallet_address(json::parse(R"({"id":"x"})"));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == "invalid_response");
}

TEST_CASE("openpayments: payment pointers become https wallet address URLs") {
  CHECK(wallet_address_url("$wallet.example/alice") == "https://wallet.example/alice");
  CHECK(wallet_address_url("$wallet.example") == "https://wallet.example/.well-known/pay");
  CHECK(wallet_address_url("https://wallet.example/bob") == "https://wallet.example/bob");
}

TEST_CASE("openpayments: client sends a signed non-interactive grant request") {
  Fixture f;
  GrantRequest r;
  r.access.push_back({"incoming-payment", {"create", "read", "complete"}, f.url("/streamer"), std::nullopt});
  auto g = f.client->request_grant(f.url("/auth"), r);
  REQUIRE(g.ok());
  CHECK(f.wallet->failures.empty());
  auto seen = f.wallet->last();
  CHECK(seen.method == "POST");
  CHECK(seen.authorization.empty());
  CHECK(seen.content_type == "application/json");
  CHECK(is_compact_json(seen.body));
  std::string expected = R"({"access_token":{"access":[{"type":"incoming-payment","actions":["create","read","complete"],"identifier":")";
  expected.append(f.url("/streamer")).append(R"("}]},"client":")").append(f.url("/client")).append(R"("})");
  CHECK(seen.body == expected);
  REQUIRE(g->access_token);
  CHECK(g->access_token->value == "OS9M2PMHKUR64TB8N6BW");
  CHECK(g->access_token->manage == f.url("/token/dd17"));
  CHECK(g->access_token->expires_in == std::optional<int64_t>(600));
  REQUIRE(g->continuation);
  CHECK(g->continuation->token == "33OMUKMKSKU80UPRY5NM");
}

TEST_CASE("openpayments: client sends an interactive grant request with limits") {
  Fixture f;
  GrantRequest r;
  r.access.push_back({"quote", {"create"}, std::nullopt, std::nullopt});
  OutgoingLimits limits;
  limits.debit_amount = f.usd("1000");
  limits.interval = "R/2026-01-01T00:00:00Z/PT1H";
  r.access.push_back({"outgoing-payment", {"create", "read"}, f.url("/viewer"), limits});
  r.interact = InteractRequest{"https://tips.example/op/finish/s1", "nonce-123"};
  auto g = f.client->request_grant(f.url("/auth"), r);
  REQUIRE(g.ok());
  CHECK(f.wallet->failures.empty());
  auto body = json::parse(f.wallet->last().body);
  CHECK(body["client"] == f.url("/client"));
  CHECK(body["access_token"]["access"][0] == json({{"type", "quote"}, {"actions", {"create"}}}));
  CHECK(body["access_token"]["access"][1]["type"] == "outgoing-payment");
  CHECK(body["access_token"]["access"][1]["identifier"] == f.url("/viewer"));
  CHECK(body["access_token"]["access"][1]["limits"]["debitAmount"] ==
        json({{"value", "1000"}, {"assetCode", "USD"}, {"assetScale", 2}}));
  CHECK(body["access_token"]["access"][1]["limits"]["interval"] == "R/2026-01-01T00:00:00Z/PT1H");
  CHECK(body["interact"] == json::parse(R"({"start":["redirect"],"finish":{"method":"redirect",
        "uri":"https://tips.example/op/finish/s1","nonce":"nonce-123"}})"));
  CHECK_FALSE(g->access_token);
  // The wallet (a dev host) published an https consent URL but speaks http: the browser gets http.
  CHECK(g->interact_redirect ==
        std::optional<std::string>("http://127.0.0.1:" + std::to_string(f.wallet->port) + "/interact/abc/EA6A?clientName=Owncast"));
  CHECK(g->interact_finish == std::optional<std::string>("EA6A8EA948ED6A80"));
  REQUIRE(g->continuation);
  CHECK(g->continuation->wait == 5);
  CHECK(g->continuation->uri == f.url("/continue/61c0"));
}

TEST_CASE("openpayments: interactive grant needs a client wallet publicName") {
  Fixture f;
  auto client = f.make_client("/noname");
  GrantRequest r;
  r.access.push_back({"outgoing-payment", {"create"}, f.url("/viewer"), std::nullopt});
  r.interact = InteractRequest{"https://tips.example/finish", new_nonce()};
  auto g = client->request_grant(f.url("/auth"), r);
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().code == "missing_public_name");
  CHECK(g.error().description.find("public name") != std::string::npos);
  CHECK(f.wallet->last().method.empty());  // nothing was POSTed to the AS
}

TEST_CASE("openpayments: continue surfaces too_fast with the wait") {
  Fixture f;
  f.wallet->too_fast = true;
  Continuation k{f.url("/continue/61c0"), "CABC8BB8E10D0E1DCC7E", 5};
  auto g = f.client->continue_grant(k, "363164f0-ee6b-4a94-a44f-5fd24e581da1");
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().code == "too_fast");
  CHECK(g.error().http_status == 400);
  CHECK(g.error().wait_seconds == 5);
  CHECK(f.wallet->failures.empty());
}

TEST_CASE("openpayments: continue exchanges interact_ref for the access token") {
  Fixture f;
  Continuation k{f.url("/continue/61c0"), "CABC8BB8E10D0E1DCC7E", 5};
  auto g = f.client->continue_grant(k, "363164f0-ee6b-4a94-a44f-5fd24e581da1");
  REQUIRE(g.ok());
  CHECK(f.wallet->failures.empty());
  auto seen = f.wallet->last();
  CHECK(seen.body == R"({"interact_ref":"363164f0-ee6b-4a94-a44f-5fd24e581da1"})");
  CHECK(seen.authorization == "GNAP CABC8BB8E10D0E1DCC7E");
  REQUIRE(g->access_token);
  CHECK(g->access_token->value == "OUTGOING1");
}

TEST_CASE("openpayments: token rotation, revocation and grant cancel are signed") {
  Fixture f;
  AccessToken t{"OS9M2PMHKUR64TB8N6BW", f.url("/token/dd17"), 600, json::array()};
  auto rotated = f.client->rotate_token(t);
  REQUIRE(rotated.ok());
  CHECK(rotated->value == "ROTATED");
  CHECK(rotated->manage == f.url("/token/ee18"));
  CHECK(f.wallet->last().authorization == "GNAP OS9M2PMHKUR64TB8N6BW");
  CHECK(f.wallet->last().body.empty());
  REQUIRE(f.client->revoke_token(t).ok());
  CHECK(f.wallet->last().method == "DELETE");
  REQUIRE(f.client->cancel_grant(Continuation{f.url("/continue/61c0"), "CONT", 0}).ok());
  CHECK(f.wallet->last().authorization == "GNAP CONT");
  CHECK(f.wallet->failures.empty());
}

TEST_CASE("openpayments: client creates, reads and completes an incoming payment") {
  Fixture f;
  IncomingPaymentRequest r;
  r.wallet_address = f.url("/streamer");
  r.incoming_amount = f.usd("500");
  r.expires_at = "2026-01-01T00:10:00.000Z";
  r.metadata = nlohmann::ordered_json{{"description", "Tip"}};
  auto p = f.client->create_incoming_payment(f.url("/rs"), "TOKA", r);
  REQUIRE(p.ok());
  std::string expected = R"({"walletAddress":")";
  expected.append(f.url("/streamer"))
      .append(R"(","incomingAmount":{"value":"500","assetCode":"USD","assetScale":2},)")
      .append(R"("expiresAt":"2026-01-01T00:10:00.000Z","metadata":{"description":"Tip"}})");
  CHECK(f.wallet->last().body == expected);
  CHECK(f.wallet->last().authorization == "GNAP TOKA");
  CHECK(p->id == f.url("/rs/incoming-payments/ip1"));
  CHECK(p->incoming_amount == std::optional<Amount>(f.usd("500")));
  CHECK(p->received_amount == std::optional<Amount>(f.usd("0")));
  CHECK_FALSE(p->completed);
  CHECK(p->methods[0]["type"] == "ilp");
  auto got = f.client->get_incoming_payment(p->id, "TOKA");
  REQUIRE(got.ok());
  CHECK(got->id == p->id);
  auto done = f.client->complete_incoming_payment(p->id, "TOKA");
  REQUIRE(done.ok());
  CHECK(done->completed);
  CHECK(f.wallet->last().path == "/rs/incoming-payments/ip1/complete");
  CHECK(f.wallet->failures.empty());
}

TEST_CASE("openpayments: client creates and reads a quote") {
  Fixture f;
  QuoteRequest r{f.url("/viewer"), f.url("/rs/incoming-payments/ip1"), f.usd("520"), std::nullopt};
  auto q = f.client->create_quote(f.url("/rs"), "TOKQ", r);
  REQUIRE(q.ok());
  std::string expected = R"({"walletAddress":")";
  expected.append(f.url("/viewer")).append(R"(","receiver":")").append(f.url("/rs/incoming-payments/ip1"))
      .append(R"(","method":"ilp","debitAmount":{"value":"520","assetCode":"USD","assetScale":2}})");
  CHECK(f.wallet->last().body == expected);
  CHECK(q->debit_amount == f.usd("520"));
  CHECK(q->receive_amount == f.usd("500"));
  CHECK(q->expires_at == std::optional<std::string>("2026-01-01T00:05:00.000Z"));
  auto again = f.client->get_quote(q->id, "TOKQ");
  REQUIRE(again.ok());
  CHECK(again->id == f.url("/rs/quotes/q1"));
  QuoteRequest both{f.url("/viewer"), f.url("/rs/incoming-payments/ip1"), f.usd("1"), f.usd("1")};
  auto bad = f.client->create_quote(f.url("/rs"), "TOKQ", both);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "invalid_request");
  CHECK(f.wallet->failures.empty());
}

TEST_CASE("openpayments: client creates outgoing payments from a quote and from an incoming payment") {
  Fixture f;
  auto fromq = f.client->create_outgoing_payment_from_quote(
      f.url("/rs"), "TOKO", f.url("/viewer"), f.url("/rs/quotes/q1"), nlohmann::ordered_json{{"description", "Tip for Sam"}});
  REQUIRE(fromq.ok());
  std::string expected = R"({"walletAddress":")";
  expected.append(f.url("/viewer")).append(R"(","quoteId":")").append(f.url("/rs/quotes/q1"))
      .append(R"(","metadata":{"description":"Tip for Sam"}})");
  CHECK(f.wallet->last().body == expected);
  CHECK(fromq->grant_spent_debit_amount == std::optional<Amount>(f.usd("520")));
  CHECK(fromq->sent_amount == f.usd("0"));
  CHECK_FALSE(fromq->failed);

  auto direct = f.client->create_outgoing_payment_from_incoming(f.url("/rs"), "TOKO", f.url("/viewer"),
                                                                f.url("/rs/incoming-payments/ip1"), f.usd("500"));
  REQUIRE(direct.ok());
  std::string expected2 = R"({"walletAddress":")";
  expected2.append(f.url("/viewer")).append(R"(","incomingPayment":")").append(f.url("/rs/incoming-payments/ip1"))
      .append(R"(","debitAmount":{"value":"500","assetCode":"USD","assetScale":2}})");
  CHECK(f.wallet->last().body == expected2);

  auto got = f.client->get_outgoing_payment(f.url("/rs/outgoing-payments/op1"), "TOKO");
  REQUIRE(got.ok());
  CHECK(got->receive_amount == f.usd("500"));
  CHECK_FALSE(got->grant_spent_debit_amount);
  CHECK(f.wallet->failures.empty());
}

TEST_CASE("openpayments: a 401 on a signed request is reported as a key configuration error") {
  Fixture f;
  f.wallet->reject_signature = true;
  GrantRequest r;
  r.access.push_back({"incoming-payment", {"create"}, std::nullopt, std::nullopt});
  auto g = f.client->request_grant(f.url("/auth"), r);
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().http_status == 401);
  CHECK(g.error().code == "signature_rejected");
  std::string want = "the server did not accept our signature: is key id k1 registered on wallet address ";
  want.append(f.url("/client")).append("?");
  CHECK(g.error().description.rfind(want, 0) == 0);
}

TEST_CASE("openpayments: a wrong key fails the fake server's signature check") {
  Fixture f;
  auto other = PrivateKey::generate();
  REQUIRE(other.ok());
  ClientConfig cfg;
  cfg.client_wallet_address = f.url("/client");
  cfg.key_id = "k1";
  cfg.key = std::make_shared<const PrivateKey>(std::move(other.value()));
  cfg.transport.dev_hosts.push_back({"127.0.0.1", f.wallet->port});
  Client client(std::move(cfg));
  auto q = client.get_quote(f.url("/rs/quotes/q1"), "TOKQ");
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().code == "signature_rejected");
  CHECK(f.wallet->failures.size() == 1);
}

TEST_CASE("openpayments: client refuses loopback wallets without the dev-host allowlist") {
  Fixture f;
  ClientConfig cfg;
  cfg.client_wallet_address = f.url("/client");
  Client client(std::move(cfg));
  auto w = client.get_wallet_address(f.url("/client"));
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().code == "blocked_address");
  CHECK(w.error().http_status == 0);
}

TEST_CASE("openpayments: interaction hash check uses the finish-hash rules") {
  FinishHashInput in{"nonce-1", "EA6A8EA948ED6A80", "ref-1", "https://auth.wallet.example"};
  std::string hash = finish_hash(in);
  CHECK(verify_interaction_hash(hash, "nonce-1", "EA6A8EA948ED6A80", "ref-1", "https://auth.wallet.example"));
  CHECK_FALSE(verify_interaction_hash(hash, "nonce-2", "EA6A8EA948ED6A80", "ref-1", "https://auth.wallet.example"));
}

// ---- CLI subcommands ----

TEST_CASE("openpayments: keygen writes a 0600 key and prints its public JWK") {
  wm::test::TempDir dir;
  std::ostringstream out, err;
  std::string path = dir.file("private.key");
  int code = wm::app::cmd_keygen({"--out", path, "--key-id", "my-key"}, out, err);
  REQUIRE(code == 0);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto jwk = json::parse(out.str());
  CHECK(jwk["kty"] == "OKP");
  CHECK(jwk["crv"] == "Ed25519");
  CHECK(jwk["kid"] == "my-key");
  CHECK(jwk["alg"] == "EdDSA");
  CHECK(jwk["use"] == "sig");
  auto raw = public_key_from_jwk(jwk);
  REQUIRE(raw.ok());
  auto key = PrivateKey::from_file(path);
  REQUIRE(key.ok());
  CHECK(key->public_raw() == *raw);
  std::ostringstream out2, err2;
  CHECK(wm::app::cmd_keygen({"--out", path}, out2, err2) == 2);  // exists, no --force
  CHECK(wm::app::cmd_keygen({"--out", path, "--force"}, out2, err2) == 0);
  CHECK_FALSE(json::parse(out2.str())["kid"].get<std::string>().empty());
}

TEST_CASE("openpayments: sign-request reproduces the shared signature vectors") {
  auto v = wm::test::load_vectors("http-signatures.json");
  wm::test::TempDir dir;
  std::string key_file = dir.file("key.b64");
  wm::test::write_file(key_file, v["key"]["private_key_pem_base64"].get<std::string>());
  for (const auto& c : v["cases"]) {
    DYNAMIC_SECTION(c["name"].get<std::string>()) {
      const auto& in = c["input"];
      std::vector<std::string> args = {"--key-file", key_file, "--key-id", in["keyid"].get<std::string>(),
                                       "--method", in["method"].get<std::string>(), "--url", in["url"].get<std::string>(),
                                       "--created", std::to_string(in["created"].get<int64_t>())};
      for (auto it = in["headers"].begin(); it != in["headers"].end(); ++it) {
        args.push_back("--header");
        args.push_back(it.key() + ": " + it.value().get<std::string>());
      }
      if (!in["body"].is_null()) {
        args.push_back("--body");
        args.push_back(in["body"].get<std::string>());
      }
      std::string expected;
      const auto& send = c["expected"]["headers_to_send"];
      for (auto it = send.begin(); it != send.end(); ++it)
        if (!in["headers"].contains(it.key())) expected.append(it.key() + ": " + it.value().get<std::string>() + "\n");
      std::ostringstream out, err;
      CHECK(wm::app::cmd_sign_request(args, out, err) == 0);
      CHECK(err.str().empty());
      CHECK(out.str() == expected);
    }
  }
}

TEST_CASE("openpayments: sign-request reports errors on one line with exit code 2") {
  wm::test::TempDir dir;
  std::ostringstream out, err;
  CHECK(wm::app::cmd_sign_request({"--key-file", dir.file("none"), "--key-id", "k", "--method", "GET", "--url",
                                   "https://a.example/"}, out, err) == 2);
  CHECK(out.str().empty());
  {
    std::string e = err.str();
    CHECK(std::count(e.begin(), e.end(), '\n') == 1);
  }
  std::ostringstream out2, err2;
  CHECK(wm::app::cmd_sign_request({"--key-id", "k"}, out2, err2) == 2);
}

TEST_CASE("openpayments: wallet command prints the document and jwks through the dev-host allowlist") {
  Fixture f;
  std::ostringstream out, err;
  std::string dev = "127.0.0.1:";
  dev.append(std::to_string(f.wallet->port));
  int code = wm::app::cmd_wallet({f.url("/client"), "--op-dev-hosts", dev}, out, err);
  const std::string warning = err.str();
  CHECK(warning.find("WARNING: --op-dev-hosts is for development only") == 0);
  CHECK(std::count(warning.begin(), warning.end(), '\n') == 1);  // the warning, no error
  REQUIRE(code == 0);
  auto doc = json::parse(out.str());
  CHECK(doc["walletAddress"]["id"] == f.url("/client"));
  CHECK(doc["walletAddress"]["publicName"] == "Owncast WM");
  CHECK(doc["jwks"]["keys"][0]["kid"] == "k1");
}

TEST_CASE("openpayments: wallet command refuses loopback without dev hosts") {
  Fixture f;
  std::ostringstream out, err;
  int code = wm::app::cmd_wallet({f.url("/client"), "--op-dev-hosts", ""}, out, err);
  CHECK(code == 1);
  CHECK(err.str().find("blocked_address") != std::string::npos);
  {
    std::string e = err.str();
    CHECK(std::count(e.begin(), e.end(), '\n') == 1);
  }
}
