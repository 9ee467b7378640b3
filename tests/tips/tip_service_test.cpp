// TipService against the Node Open Payments sandbox: the state machine, exactly once, with
// simulated crashes after every step followed by recover().
#include "tips/tip_service.h"

#include "app/tip_http.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <thread>
#include <tuple>

#include "net/ssrf.h"
#include "support/sandbox.h"
#include "support/test_support.h"

using json = nlohmann::json;
using namespace wm;
using namespace wm::openpayments;

namespace {

int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

struct Fixture {
  test::Sandbox sb;
  test::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Client> client;
  int dead_port = closed_port();
  std::atomic<int> completed_calls{0};

  explicit Fixture(std::vector<std::string> sandbox_args = {"--wait", "0"}) : sb(sandbox_args) {
    auto k = PrivateKey::generate();
    REQUIRE(k);
    auto key = std::make_shared<const PrivateKey>(std::move(*k));
    sb.register_key("streamer", key->public_jwk("tip-key"));
    ClientConfig cfg;
    cfg.client_wallet_address = sb.wallet("streamer");
    cfg.key_id = "tip-key";
    cfg.key = key;
    auto hosts = parse_dev_hosts(sb.dev_host() + ",127.0.0.1:" + std::to_string(dead_port));
    REQUIRE(hosts);
    cfg.transport.dev_hosts = *hosts;
    cfg.transport.timeout_ms = 10000;
    cfg.transport.connect_timeout_ms = 2000;
    cfg.transport.retry_backoff_ms = 10;
    client = std::make_unique<Client>(cfg);
    open_store();
  }

  void open_store() {
    store::Options so;
    so.dir = dir.path();
    auto s = store::Store::open(so);
    REQUIRE(s);
    store = std::move(*s);
  }

  tips::TipServiceOptions options(const std::string& crash_after = "") {
    tips::TipServiceOptions o;
    o.streamer_wallet = sb.wallet("streamer");
    o.callback_url = [](const std::string& id) { return app::tip_callback_url("http://127.0.0.1:9", id); };
    o.poll_first_ms = 20;
    o.poll_max_ms = 100;
    o.receipt_timeout_ms = 3000;
    o.crash_after = crash_after;
    o.on_completed = [this](const tips::TipRecord&) { ++completed_calls; };
    return o;
  }

  std::unique_ptr<tips::TipService> service(const std::string& crash_after = "") {
    return std::make_unique<tips::TipService>(*store, *client, options(crash_after));
  }

  static json body(const std::string& wallet, const std::string& value = "500") {
    return json{{"senderWalletAddress", wallet},
                {"amount", {{"value", value}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                {"message", "great stream"},
                {"displayName", "Alice"}};
  }

  tips::TipRecord create(tips::TipService& svc, const json& b, const std::string& key = "") {
    auto r = svc.create({b, key, "10.0.0.1"});
    INFO((r ? "" : r.error().code + ": " + r.error().message));
    REQUIRE(r);
    return r->tip;
  }

  std::string decide(const std::string& decision) {
    std::string url = sb.decide_latest(decision);
    auto q = url.find('?');
    REQUIRE(q != std::string::npos);
    return url.substr(q + 1);
  }

  int64_t balance(const std::string& wallet) {
    return std::stoll(sb.state()["wallets"][wallet]["balance"].get<std::string>());
  }

  void no_failures() {
    auto f = sb.failures();
    INFO(f.dump(2));
    CHECK(f["count"] == 0);
  }
};

bool no_secrets(const tips::TipRecord& r) {
  return r.op_token.empty() && r.streamer_token.empty() && r.quote_token.empty() && r.continue_token.empty() &&
         r.continue_uri.empty();
}

}  // namespace

TEST_CASE("tip service: approved tip is paid once, receipt verified, grants released", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  const int64_t alice0 = f.balance("alice"), streamer0 = f.balance("streamer");
  auto tip = f.create(*svc, Fixture::body(f.sb.wallet("alice")));
  CHECK(tip.status == "awaiting_consent");
  CHECK(tip.id.size() >= 22);  // 128 random bits, base64url
  CHECK(std::isalnum(static_cast<unsigned char>(tip.id[0])));  // CSV-safe: never a leading '-'
  CHECK(tip.consent_url.find("http://" + f.sb.dev_host() + "/interact/") == 0);  // what a browser can open
  CHECK(tip.receive_amount.units == 500);
  const int64_t debit = static_cast<int64_t>(tip.debit_amount.units);
  CHECK(debit == 506);  // sandbox fee: ceil(500/100)+1

  auto cb = svc->callback(tip.id, f.decide("accept"));
  REQUIRE(cb);
  CHECK(cb->changed);
  CHECK(cb->tip.status == "processing");
  auto done = svc->wait_settled(tip.id, 10000);
  REQUIRE(done);
  CHECK(done->status == "completed");
  CHECK(done->error_code.empty());
  CHECK(no_secrets(*done));
  CHECK(f.balance("alice") == alice0 - debit);
  CHECK(f.balance("streamer") == streamer0 + 500);
  CHECK(f.completed_calls == 1);

  // Replay of the callback changes nothing.
  auto again = svc->callback(tip.id, "hash=x&interact_ref=y");
  REQUIRE(again);
  CHECK_FALSE(again->changed);
  CHECK(again->tip.status == "completed");
  CHECK(f.balance("alice") == alice0 - debit);

  auto pub = tips::to_public(*done);
  CHECK(pub["status"] == "completed");
  CHECK(pub["amounts"]["debitAmount"]["value"] == "506");
  CHECK(pub["amounts"]["receiveAmount"]["value"] == "500");
  CHECK(pub.dump().find("Token") == std::string::npos);
  CHECK(pub.dump().find(f.sb.base() + "/auth") == std::string::npos);
  f.no_failures();
}

TEST_CASE("tip service: a crash after any step, then recover(), pays exactly once", "[tips][sandbox][recovery]") {
  // name, debited when the worker stops, completes after recover() (else failed grant_lost)
  using Step = std::tuple<std::string, bool, bool>;
  const Step s = GENERATE(Step{"processing", false, true}, Step{"continued", false, false}, Step{"token", false, true},
                          Step{"attempted", false, true}, Step{"payment_unrecorded", true, true},
                          Step{"payment", true, true}, Step{"receipt", true, true}, Step{"completed", true, true});
  const std::string step = std::get<0>(s);
  const bool debited = std::get<1>(s), completes = std::get<2>(s);
  DYNAMIC_SECTION("crash after " << step) {
    Fixture f;
    const int64_t alice0 = f.balance("alice"), streamer0 = f.balance("streamer");
    std::string id;
    int64_t debit = 0;
    {
      auto svc = f.service(step);
      auto tip = f.create(*svc, Fixture::body(f.sb.wallet("alice")));
      id = tip.id;
      debit = static_cast<int64_t>(tip.debit_amount.units);
      auto cb = svc->callback(tip.id, f.decide("accept"));
      REQUIRE(cb);
      auto at = svc->wait_settled(id, 10000);
      REQUIRE(at);
      CHECK(at->status == (step == "completed" ? "completed" : "processing"));
      svc->stop();
    }  // "process dies"
    CHECK(f.balance("alice") == alice0 - (debited ? debit : 0));
    CHECK(f.completed_calls == 0);

    // Restart: the store is reopened, the service recovers.
    f.store.reset();
    f.open_store();
    auto svc = f.service();
    svc->recover();
    auto done = svc->wait_settled(id, 10000);
    REQUIRE(done);
    CHECK(no_secrets(*done));
    CHECK_FALSE(done->notify_pending);
    if (completes) {
      CHECK(done->status == "completed");
      CHECK(f.balance("alice") == alice0 - debit);
      CHECK(f.balance("streamer") == streamer0 + 500);
      CHECK(f.completed_calls == 1);
      // The wallet holds exactly one outgoing payment: a repeated creation was refused (the guard).
      CHECK(f.sb.state()["outgoingPayments"].size() == 1);
    } else {
      // The continue's token was never stored: a second continue is refused, the grant is
      // cancelled and nothing is charged.
      CHECK(done->status == "failed");
      CHECK(done->error_code == "grant_lost");
      CHECK(f.balance("alice") == alice0);
      CHECK(f.balance("streamer") == streamer0);
      CHECK(f.completed_calls == 0);
      CHECK(f.sb.state()["outgoingPayments"].empty());
    }
    // Every interactive grant was released.
    const json grants = f.sb.state()["grants"];
    int interactive = 0;
    for (const auto& g : grants)
      if (g["interactive"] == true) {
        ++interactive;
        CHECK(g["state"] == "revoked");
      }
    CHECK(interactive == 1);
    // A second recovery does nothing more.
    svc->recover();
    CHECK(svc->wait_settled(id, 1000)->status == done->status);
    CHECK(f.balance("alice") == alice0 - (completes ? debit : 0));
    CHECK(f.completed_calls == (completes ? 1 : 0));
    // Only a second creation refused on purpose may be recorded by the sandbox; no signature errors.
    const json failures = f.sb.failures();
    for (const auto& fl : failures["failures"]) CHECK(fl["kind"] != "signature");
  }
}

TEST_CASE("tip service: denied consent -> denied, nothing moves", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  const int64_t alice0 = f.balance("alice");
  auto tip = f.create(*svc, Fixture::body(f.sb.wallet("alice")));
  auto cb = svc->callback(tip.id, f.decide("reject"));
  REQUIRE(cb);
  CHECK(cb->tip.status == "denied");
  auto r = svc->get(tip.id);
  REQUIRE(r);
  CHECK(r->status == "denied");
  CHECK(r->error_code == "denied");
  CHECK(no_secrets(*r));
  CHECK(f.balance("alice") == alice0);
  // A later "approval" for the same tip changes nothing.
  auto again = svc->callback(tip.id, "hash=abc&interact_ref=def");
  REQUIRE(again);
  CHECK_FALSE(again->changed);
  CHECK(f.completed_calls == 0);
  f.no_failures();
}

TEST_CASE("tip service: a forged callback hash is refused and changes nothing", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  auto tip = f.create(*svc, Fixture::body(f.sb.wallet("alice")));
  auto bad = svc->callback(tip.id, "hash=AAAA&interact_ref=forged");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "invalid_hash");
  CHECK(svc->get(tip.id)->status == "awaiting_consent");
  auto incomplete = svc->callback(tip.id, "interact_ref=x");
  REQUIRE_FALSE(incomplete);
  CHECK(svc->get(tip.id)->status == "awaiting_consent");
}

TEST_CASE("tip service: a rejection redirect without confirmation leaves the tip open", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  auto tip = f.create(*svc, Fixture::body(f.sb.wallet("alice")));
  // Anyone who knows the tip id can send these: the grant is still pending at the wallet.
  for (const char* forged : {"result=grant_rejected", "result=grant_invalid&message=x"}) {
    INFO(forged);
    auto r = svc->callback(tip.id, forged);
    REQUIRE_FALSE(r);
    CHECK(app::tip_error_status(r.error().kind) == 409);
    CHECK(r.error().code == "rejection_unconfirmed");
    CHECK(svc->get(tip.id)->status == "awaiting_consent");
  }
  // The viewer's real approval still goes through.
  auto cb = svc->callback(tip.id, f.decide("accept"));
  INFO((cb ? "" : cb.error().code + ": " + cb.error().message));
  REQUIRE(cb);
  CHECK(cb->tip.status == "processing");
  f.no_failures();
}

TEST_CASE("tip service: quote expired before consent -> expired, nothing moves", "[tips][sandbox]") {
  Fixture f({"--wait", "0", "--quote-ttl", "30"});
  auto svc = f.service();
  const int64_t alice0 = f.balance("alice");
  auto tip = f.create(*svc, Fixture::body(f.sb.wallet("alice")));
  f.sb.advance_clock(60);
  auto cb = svc->callback(tip.id, f.decide("accept"));
  REQUIRE(cb);
  auto done = svc->wait_settled(tip.id, 10000);
  REQUIRE(done);
  CHECK(done->status == "expired");
  CHECK(done->error_code == "quote_expired");
  CHECK(no_secrets(*done));
  CHECK(f.balance("alice") == alice0);
}

TEST_CASE("tip service: awaiting consent past quote expiry expires on recover()", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  auto tip = f.create(*svc, Fixture::body(f.sb.wallet("alice")));
  // Make the stored quote expiry lie in the past (our clock, not the sandbox's).
  tip.quote_expires_at = "2000-01-01T00:00:00Z";
  REQUIRE(f.store->update([&](store::WriteTxn& t) {
    return t.put(f.store->table("tips"), "t/" + tip.id, tips::to_storage(tip).dump());
  }));
  svc->recover();
  auto r = svc->get(tip.id);
  REQUIRE(r);
  CHECK(r->status == "expired");
  CHECK(r->error_code == "quote_expired");
  CHECK(no_secrets(*r));
}

TEST_CASE("tip service: insufficient funds -> failed with a clear code", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  auto tip = f.create(*svc, Fixture::body(f.sb.wallet("poor")));
  REQUIRE(svc->callback(tip.id, f.decide("accept")));
  auto done = svc->wait_settled(tip.id, 10000);
  REQUIRE(done);
  CHECK(done->status == "failed");
  CHECK(done->error_code == "payment_failed");
  CHECK(f.balance("poor") == 100);
  CHECK(f.completed_calls == 0);
}

TEST_CASE("tip service: idempotency key", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  auto b = Fixture::body(f.sb.wallet("alice"));
  auto first = svc->create({b, "key-1", "10.0.0.2"});
  REQUIRE(first);
  CHECK_FALSE(first->replayed);
  auto second = svc->create({b, "key-1", "10.0.0.2"});
  REQUIRE(second);
  CHECK(second->replayed);
  CHECK(second->tip.id == first->tip.id);
  auto other = Fixture::body(f.sb.wallet("alice"), "700");
  auto conflict = svc->create({other, "key-1", "10.0.0.2"});
  REQUIRE_FALSE(conflict);
  CHECK(app::tip_error_status(conflict.error().kind) == 409);
  auto fresh = svc->create({b, "key-2", "10.0.0.2"});
  REQUIRE(fresh);
  CHECK(fresh->tip.id != first->tip.id);
}

TEST_CASE("tip service: input and wallet errors", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  auto err = [&](const json& b) {
    auto r = svc->create({b, "", ""});
    REQUIRE_FALSE(r);
    return r.error();
  };
  SECTION("unknown wallet address -> 400 invalid_wallet_address") {
    auto e = err(Fixture::body(f.sb.wallet("nosuchwallet")));
    CHECK(app::tip_error_status(e.kind) == 400);
    CHECK(e.code == "invalid_wallet_address");
  }
  SECTION("not a URL / private address -> 400 invalid_wallet_address") {
    CHECK(err(Fixture::body("not a wallet")).code == "invalid_wallet_address");
    CHECK(err(Fixture::body("http://10.1.2.3/alice")).code == "invalid_wallet_address");
    CHECK(err(Fixture::body("")).code == "invalid_wallet_address");
  }
  SECTION("unreachable wallet -> 502 wallet_unreachable") {
    auto e = err(Fixture::body("https://127.0.0.1:" + std::to_string(f.dead_port) + "/alice"));
    CHECK(app::tip_error_status(e.kind) == 502);
    CHECK(e.code == "wallet_unreachable");
  }
  SECTION("amount rules") {
    CHECK(err(Fixture::body(f.sb.wallet("alice"), "0")).code == "amount_out_of_range");
    CHECK(err(Fixture::body(f.sb.wallet("alice"), "10001")).code == "amount_out_of_range");
    auto usd = Fixture::body(f.sb.wallet("alice"));
    usd["amount"]["assetCode"] = "USD";
    CHECK(err(usd).code == "asset_mismatch");
    auto none = Fixture::body(f.sb.wallet("alice"));
    none.erase("amount");
    CHECK(err(none).code == "invalid_amount");
    none["tierId"] = "nope";
    CHECK(err(none).code == "unknown_tier");
  }
  SECTION("message and name limits") {
    auto b = Fixture::body(f.sb.wallet("alice"));
    b["message"] = std::string(281, 'x');
    CHECK(err(b).code == "invalid_message");
    b["message"] = std::string(280, 'x');
    b["displayName"] = std::string(41, 'n');
    CHECK(err(b).code == "invalid_display_name");
  }
  SECTION("a tier id gives the tier's amount") {
    auto b = Fixture::body(f.sb.wallet("alice"));
    b.erase("amount");
    b["tierId"] = "fun-0";
    auto r = svc->create({b, "", ""});
    INFO((r ? "" : r.error().message));
    REQUIRE(r);
    CHECK(r->tip.amount.asset_code == "EUR");
    CHECK(r->tip.amount.units == r->tip.receive_amount.units);
  }
  SECTION("a wallet that cannot pay this streamer fails before consent") {
    // carol (XRP 9): 5.00 EUR is reachable; bob pays in USD. Both get quotes; a receiver the
    // sandbox refuses (nothing to receive) is the cannot_pay path.
    auto b = Fixture::body(f.sb.wallet("bob"));
    auto r = svc->create({b, "", ""});
    REQUIRE(r);  // cross-currency: bob sees his USD debit
    CHECK(r->tip.debit_amount.asset_code == "USD");
  }
}

TEST_CASE("tip service: rate limit per client IP and per wallet", "[tips][sandbox]") {
  Fixture f;
  auto opts = f.options();
  opts.rate_per_ip = 2;
  opts.rate_per_wallet = 1;
  tips::TipService svc(*f.store, *f.client, opts);
  auto bad = Fixture::body("not a wallet");
  CHECK(app::tip_error_status(svc.create({bad, "", "1.2.3.4"}).error().kind) == 400);
  CHECK(app::tip_error_status(svc.create({bad, "", "1.2.3.4"}).error().kind) == 400);
  auto limited = svc.create({bad, "", "1.2.3.4"});
  REQUIRE_FALSE(limited);
  CHECK(app::tip_error_status(limited.error().kind) == 429);
  CHECK(limited.error().retry_after > 0);
  // Another IP, the same wallet twice.
  REQUIRE(svc.create({Fixture::body(f.sb.wallet("alice")), "", "5.6.7.8"}));
  auto w = svc.create({Fixture::body(f.sb.wallet("alice")), "", "9.9.9.9"});
  REQUIRE_FALSE(w);
  CHECK(app::tip_error_status(w.error().kind) == 429);
}

TEST_CASE("tip service: tip_range parses decimal limits in the streamer's asset", "[tips]") {
  auto def = tips::tip_range("", "", "EUR", 2);
  REQUIRE(def);
  CHECK(def->first.units == 1);
  CHECK(def->second.units == 10000);
  auto r = tips::tip_range("2.5", "20", "EUR", 2);
  REQUIRE(r);
  CHECK(r->first == Amount{250, "EUR", 2});
  CHECK(r->second == Amount{2000, "EUR", 2});
  auto zero_min = tips::tip_range("0", "1", "EUR", 2);
  REQUIRE(zero_min);
  CHECK(zero_min->first.units == 1);
  auto xrp = tips::tip_range("0.000000001", "", "XRP", 9);
  REQUIRE(xrp);
  CHECK(xrp->first.units == 1);
  CHECK(xrp->second.units == 100000000000u);
  for (const auto& [lo, hi] : std::vector<std::pair<std::string, std::string>>{
           {"abc", ""}, {"", "1,5"}, {"1.234", ""}, {"-1", ""}, {"", "0"}, {"5", "4.99"}, {"1e3", ""}}) {
    INFO(lo << " / " << hi);
    auto bad = tips::tip_range(lo, hi, "EUR", 2);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == "invalid_tip_range");
    CHECK_FALSE(bad.error().message.empty());
  }
  CHECK(tips::tip_range("5", "4.99", "EUR", 2).error().message.find("5.00 EUR") != std::string::npos);
  CHECK(tips::tip_range("1.234", "", "EUR", 2).error().message.find("minimum") != std::string::npos);
}

TEST_CASE("tip service: min/max amounts and anonymous tips follow the options", "[tips][sandbox]") {
  Fixture f;
  auto err = [](tips::TipService& svc, const json& b) {
    auto r = svc.create({b, "", ""});
    REQUIRE_FALSE(r);
    return r.error();
  };
  SECTION("decimal min and max") {
    auto o = f.options();
    o.min_amount = "3";
    o.max_amount = "4.50";
    tips::TipService svc(*f.store, *f.client, o);
    auto low = err(svc, Fixture::body(f.sb.wallet("alice"), "299"));
    CHECK(app::tip_error_status(low.kind) == 400);
    CHECK(low.code == "amount_out_of_range");
    CHECK(low.message.find("3.00 EUR") != std::string::npos);
    CHECK(low.message.find("4.50 EUR") != std::string::npos);
    CHECK(err(svc, Fixture::body(f.sb.wallet("alice"), "451")).code == "amount_out_of_range");
    CHECK(f.create(svc, Fixture::body(f.sb.wallet("alice"), "300")).amount.units == 300);
    CHECK(f.create(svc, Fixture::body(f.sb.wallet("alice"), "450")).amount.units == 450);
    // Changed at run time (admin page): the next create uses the new range.
    svc.set_limits("", "2", true);
    CHECK(err(svc, Fixture::body(f.sb.wallet("alice"), "300")).code == "amount_out_of_range");
    CHECK(f.create(svc, Fixture::body(f.sb.wallet("alice"), "1")).amount.units == 1);
  }
  SECTION("a bad value makes create() answer 503 not_configured naming it") {
    auto o = f.options();
    o.max_amount = "lots";
    tips::TipService svc(*f.store, *f.client, o);
    auto e = err(svc, Fixture::body(f.sb.wallet("alice")));
    CHECK(app::tip_error_status(e.kind) == 503);
    CHECK(e.code == "not_configured");
    CHECK(e.message.find("maximum") != std::string::npos);
    CHECK(e.message.find("lots") != std::string::npos);
    svc.set_limits("10", "5", true);
    auto inverted = err(svc, Fixture::body(f.sb.wallet("alice")));
    CHECK(app::tip_error_status(inverted.kind) == 503);
    CHECK(inverted.message.find("10.00 EUR") != std::string::npos);
    svc.set_limits("", "", true);
    CHECK(svc.create({Fixture::body(f.sb.wallet("alice")), "", ""}));
  }
  SECTION("anonymous tips can be refused") {
    auto o = f.options();
    o.anonymous_allowed = false;
    tips::TipService svc(*f.store, *f.client, o);
    auto b = Fixture::body(f.sb.wallet("alice"));
    b["anonymous"] = true;
    auto e = err(svc, b);
    CHECK(app::tip_error_status(e.kind) == 400);
    CHECK(e.code == "anonymous_not_allowed");
    b["anonymous"] = false;
    CHECK_FALSE(f.create(svc, b).anonymous);
    svc.set_limits("", "", true);
    b["anonymous"] = true;
    CHECK(f.create(svc, b).anonymous);
  }
  SECTION("anonymous tips are accepted by default") {
    tips::TipService svc(*f.store, *f.client, f.options());
    auto b = Fixture::body(f.sb.wallet("alice"));
    b["anonymous"] = true;
    auto t = f.create(svc, b);
    CHECK(t.anonymous);
    CHECK(tips::to_public(t)["displayName"] == "");
  }
  SECTION("streamer_wallet() and list_recent()") {
    tips::TipService svc(*f.store, *f.client, f.options());
    auto w = svc.streamer_wallet();
    REQUIRE(w);
    CHECK(w->asset_code == "EUR");
    CHECK(w->asset_scale == 2);
    CHECK(w->id == f.sb.wallet("streamer"));
    auto a = f.create(svc, Fixture::body(f.sb.wallet("alice"), "100"));
    auto b = f.create(svc, Fixture::body(f.sb.wallet("alice"), "200"));
    auto recent = svc.list_recent(10);
    REQUIRE(recent.size() == 2);
    CHECK(recent[0].id == b.id);  // newest first
    CHECK(recent[1].id == a.id);
    CHECK(no_secrets(recent[0]));
    CHECK(svc.list_recent(1).size() == 1);
  }
  SECTION("an unreachable streamer wallet: streamer_wallet() is empty") {
    auto o = f.options();
    o.streamer_wallet = "https://127.0.0.1:" + std::to_string(f.dead_port) + "/streamer";
    tips::TipService svc(*f.store, *f.client, o);
    CHECK_FALSE(svc.streamer_wallet());
  }
}

TEST_CASE("tip service: a worker does not wait for a receipt check; scheduled checks resume after restart",
          "[tips][sandbox][recovery]") {
  Fixture f;
  const int64_t alice0 = f.balance("alice"), bob0 = f.balance("bob"), streamer0 = f.balance("streamer");
  auto o = f.options();
  o.workers = 1;
  o.poll_first_ms = 600000;  // the first receipt check is far away: only scheduled, never due here
  o.receipt_timeout_ms = 900000;
  auto svc = std::make_unique<tips::TipService>(*f.store, *f.client, o);
  auto first = f.create(*svc, Fixture::body(f.sb.wallet("alice")));
  REQUIRE(svc->callback(first.id, f.decide("accept")));
  auto second = f.create(*svc, Fixture::body(f.sb.wallet("bob")));
  REQUIRE(svc->callback(second.id, f.decide("accept")));

  // The only worker paid the first tip, scheduled its receipt check and went on to the second.
  auto paid = [&](const std::string& id) {
    auto r = svc->get(id);
    return r && !r->outgoing_payment_id.empty();
  };
  for (int i = 0; i < 400 && !(paid(first.id) && paid(second.id)); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  CHECK(paid(first.id));
  CHECK(paid(second.id));
  CHECK(svc->get(first.id)->status == "processing");
  CHECK(svc->get(second.id)->status == "processing");

  // Stopping abandons the scheduled checks; the tips stay processing and recover() resumes them.
  svc.reset();
  svc = f.service();
  svc->recover();
  for (const auto& id : {first.id, second.id}) {
    auto done = svc->wait_settled(id, 10000);
    REQUIRE(done);
    CHECK(done->status == "completed");
  }
  CHECK(f.balance("alice") == alice0 - static_cast<int64_t>(first.debit_amount.units));
  CHECK(f.balance("bob") == bob0 - static_cast<int64_t>(second.debit_amount.units));
  CHECK(f.balance("streamer") == streamer0 + 1000);
  CHECK(f.completed_calls == 2);
  f.no_failures();
}
