// Benchmark (not a test): complete Open Payments tip flows per second with our client
// (wm::openpayments::Client) against the Node sandbox (tests/op-sandbox/server.mjs), run one after
// another on one thread. tests/bench/flow_bench.mjs runs the same flow with Interledger's official
// @interledger/open-payments client. One flow (client identity: streamer, as in the conformance
// tests):
//   incoming-payment grant (streamer AS) -> incoming payment (streamer, 1.00 EUR)
//   -> quote grant (alice AS) -> quote (alice -> incoming payment)
//   -> interactive outgoing-payment grant (alice, limit = quote debit) -> accept via the
//      /_test/interactions/<id>/decision hook -> check the finish hash -> continue (on too_fast:
//      /_test/clock forward by wait + 1, continue again) -> outgoing payment from the quote
//   -> read the outgoing payment back.
// Start: POST /_test/reset {"keepKeys":true}, alice's balance set high, a fresh key registered
// on streamer (so both programs start from the same state). End: /_test/failures must be 0.
//
// Usage: flow_bench --base https://127.0.0.1:N [--seconds S]
// Prints: flow_bench ours flows=N seconds=T flows_per_sec=R max_rss_kb=K clock_advances=C failures=F
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "openpayments/client.h"
#include "openpayments/finish_hash.h"
#include "net/ssrf.h"
#include "net/transport.h"

using namespace wm::openpayments;
using nlohmann::json;

namespace {

struct Bench {
  std::string base;
  Transport hooks;  // plain http to the sandbox's test hooks (dev host)
  std::unique_ptr<Client> client;
  WalletAddress streamer, alice;
  long clock_advances = 0;

  Bench(std::string b, const TransportOptions& opts) : base(std::move(b)), hooks(opts) {}

  json hook(const std::string& method, const std::string& path, const json& body = nullptr) {
    HttpRequest r;
    r.method = method;
    r.url = base + path;
    if (method != "GET") {
      r.headers.push_back({"Content-Type", "application/json"});
      r.body = body.is_null() ? "{}" : body.dump();
    }
    auto res = hooks.send(r);
    if (!res) throw std::runtime_error("hook " + path + ": " + res.error().message);
    if (res->status / 100 != 2)
      throw std::runtime_error("hook " + path + ": HTTP " + std::to_string(res->status) + " " + res->body);
    return res->body.empty() ? json() : json::parse(res->body);
  }

  template <typename T>
  static T need(OpResult<T> r, const char* what) {
    if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message());
    return std::move(r).value();
  }

  std::string token(const WalletAddress& w, const std::string& type) {
    GrantRequest g;
    g.access.push_back({type, {"create", "read"}, std::nullopt, std::nullopt});
    auto grant = need(client->request_grant(w.auth_server, g), "grant");
    if (!grant.access_token) throw std::runtime_error("grant: no access token");
    return grant.access_token->value;
  }

  void flow() {
    // 1-2: incoming payment on streamer.
    IncomingPaymentRequest ipr;
    ipr.wallet_address = streamer.id;
    ipr.incoming_amount = Amount{100, "EUR", 2};
    auto ip = need(client->create_incoming_payment(streamer.resource_server, token(streamer, "incoming-payment"), ipr),
                   "incoming payment");
    // 3-4: quote from alice.
    QuoteRequest qr;
    qr.wallet_address = alice.id;
    qr.receiver = ip.id;
    auto quote = need(client->create_quote(alice.resource_server, token(alice, "quote"), qr), "quote");
    // 5: interactive outgoing-payment grant.
    GrantRequest g;
    OutgoingLimits limits;
    limits.debit_amount = quote.debit_amount;
    g.access.push_back({"outgoing-payment", {"create", "read"}, alice.id, limits});
    std::string nonce = new_nonce();
    g.interact = InteractRequest{"http://localhost:8080/op/finish/bench", nonce};
    auto pending = need(client->request_grant(alice.auth_server, g), "outgoing-payment grant");
    if (!pending.interact_redirect || !pending.interact_finish || !pending.continuation)
      throw std::runtime_error("outgoing-payment grant: not pending");
    // 6: decide via the hook (interaction id = path segment after /interact/).
    const std::string& redirect = *pending.interact_redirect;
    auto at = redirect.find("/interact/");
    if (at == std::string::npos) throw std::runtime_error("bad interact redirect " + redirect);
    at += 10;
    std::string iid = redirect.substr(at, redirect.find('/', at) - at);
    std::string finish = hook("POST", "/_test/interactions/" + iid + "/decision", {{"decision", "accept"}})["redirect"];
    auto fr = parse_finish_redirect(finish);
    if (fr.outcome != FinishRedirect::Outcome::approved) throw std::runtime_error("not approved: " + finish);
    if (!verify_interaction_hash(fr.hash, nonce, *pending.interact_finish, fr.interact_ref, alice.auth_server))
      throw std::runtime_error("finish hash mismatch");
    // 7: continue (advance the sandbox clock instead of sleeping if it asks us to wait).
    auto cont = client->continue_grant(*pending.continuation, fr.interact_ref);
    if (!cont && cont.error().code == "too_fast") {
      hook("POST", "/_test/clock", {{"advanceSeconds", pending.continuation->wait + 1}});
      ++clock_advances;
      cont = client->continue_grant(*pending.continuation, fr.interact_ref);
    }
    auto granted = need(std::move(cont), "continue");
    if (!granted.access_token) throw std::runtime_error("continue: no access token");
    // 8-9: outgoing payment from the quote, read back.
    auto op = need(client->create_outgoing_payment_from_quote(alice.resource_server, granted.access_token->value,
                                                              alice.id, quote.id),
                   "outgoing payment");
    if (op.failed) throw std::runtime_error("outgoing payment failed (balance?)");
    auto back = need(client->get_outgoing_payment(op.id, granted.access_token->value), "read back");
    if (back.id != op.id || back.sent_amount.units != 100) throw std::runtime_error("read back mismatch");
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string base;
  double seconds = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--base" && i + 1 < argc) {
      base = argv[++i];
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: flow_bench --base https://127.0.0.1:N [--seconds S]\n");
      return 2;
    }
  }
  if (base.rfind("https://", 0) != 0) {
    std::fprintf(stderr, "flow_bench: --base https://127.0.0.1:N is required\n");
    return 2;
  }
  try {
    auto hosts = parse_dev_hosts(base.substr(8));
    if (!hosts) throw std::runtime_error("bad --base: " + hosts.error().message);
    TransportOptions topts;
    topts.dev_hosts = *hosts;
    Bench b(base, topts);

    b.hook("POST", "/_test/reset", {{"keepKeys", true}});
    b.hook("POST", "/_test/balance", {{"wallet", "alice"}, {"balance", "1000000000000"}});
    auto k = PrivateKey::generate();
    if (!k) throw std::runtime_error("key generation failed");
    auto key = std::make_shared<const PrivateKey>(std::move(*k));
    const std::string kid = "flow-bench-ours";
    b.hook("POST", "/_test/keys", {{"wallet", "streamer"}, {"jwk", key->public_jwk(kid)}});

    ClientConfig cfg;
    cfg.client_wallet_address = base + "/streamer";
    cfg.key_id = kid;
    cfg.key = key;
    cfg.transport = topts;
    b.client = std::make_unique<Client>(cfg);
    b.streamer = Bench::need(b.client->get_wallet_address(base + "/streamer"), "wallet streamer");
    b.alice = Bench::need(b.client->get_wallet_address(base + "/alice"), "wallet alice");

    b.flow();  // warm-up (connections, caches)
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    long long n = 0;
    while (Clock::now() < deadline) {
      b.flow();
      ++n;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    int failures = b.hook("GET", "/_test/failures")["count"];
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("flow_bench ours flows=%lld seconds=%.3f flows_per_sec=%.2f max_rss_kb=%ld clock_advances=%ld failures=%d\n",
                n, elapsed, static_cast<double>(n) / elapsed, ru.ru_maxrss, b.clock_advances, failures);
    return failures == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flow_bench: %s\n", e.what());
    return 1;
  }
}
