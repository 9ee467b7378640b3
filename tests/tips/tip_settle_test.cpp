// TipService timing and loose ends against the Node Open Payments sandbox: GNAP continue.wait,
// the first receipt check, expiry without a read, closing the streamer's incoming payment, fees
// and the continue intent (lib/tips/tip_settle.cpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

#include "support/sandbox.h"
#include "support/test_support.h"
#include "tips/tip_service.h"

#include "app/tip_http.h"

using json = nlohmann::json;
using namespace wm;
using namespace wm::openpayments;

namespace {

struct Settle {
  test::Sandbox sb;
  test::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Client> client;

  explicit Settle(std::vector<std::string> sandbox_args) : sb(sandbox_args) {
    auto k = PrivateKey::generate();
    REQUIRE(k);
    auto key = std::make_shared<const PrivateKey>(std::move(*k));
    sb.register_key("streamer", key->public_jwk("settle-key"));
    ClientConfig cfg;
    cfg.client_wallet_address = sb.wallet("streamer");
    cfg.key_id = "settle-key";
    cfg.key = key;
    auto hosts = parse_dev_hosts(sb.dev_host());
    REQUIRE(hosts);
    cfg.transport.dev_hosts = *hosts;
    client = std::make_unique<Client>(cfg);
    store::Options so;
    so.dir = dir.path();
    auto s = store::Store::open(so);
    REQUIRE(s);
    store = std::move(*s);
  }

  // The service's own defaults, except where a test says otherwise.
  tips::TipServiceOptions options() {
    tips::TipServiceOptions o;
    o.streamer_wallet = sb.wallet("streamer");
    o.callback_url = [](const std::string& id) { return app::tip_callback_url("http://127.0.0.1:9", id); };
    o.rate_per_ip = o.rate_per_wallet = 0;
    return o;
  }

  tips::TipRecord create(tips::TipService& svc, const std::string& wallet, const std::string& value = "500") {
    json b{{"senderWalletAddress", sb.wallet(wallet)},
           {"amount", {{"value", value}, {"assetCode", "EUR"}, {"assetScale", 2}}},
           {"displayName", "Alice"}};
    auto r = svc.create({b, "", "10.0.0.1"});
    INFO((r ? "" : r.error().code + ": " + r.error().message));
    REQUIRE(r);
    return r->tip;
  }

  std::string decide(const std::string& decision) {
    std::string url = sb.decide_latest(decision);
    return url.substr(url.find('?') + 1);
  }

  json incoming_of(const tips::TipRecord& t) {
    const json st = sb.state();
    for (const auto& ip : st["incomingPayments"])
      if (ip["id"] == t.incoming_payment_id) return ip;
    return json();
  }

  json interactive_grant() {
    const json st = sb.state();
    for (const auto& g : st["grants"])
      if (g.value("interactive", false)) return g;
    return json();
  }
};

std::optional<tips::TipRecord> stored(tips::TipService& svc, const std::string& id) {
  for (auto& r : svc.list_recent(1000))
    if (r.id == id) return r;
  return std::nullopt;
}

}  // namespace

TEST_CASE("tip settle: continue waits what remains of continue.wait, never too_fast", "[tips][sandbox][settle]") {
  Settle f({"--wait", "1"});
  tips::TipService svc(*f.store, *f.client, f.options());
  auto tip = f.create(svc, "alice");
  CHECK(tip.continue_after_ns > 0);
  REQUIRE(svc.callback(tip.id, f.decide("accept")));  // approved at once: well within the wait
  auto done = svc.wait_settled(tip.id, 10000);
  REQUIRE(done);
  CHECK(done->status == "completed");
  const json g = f.interactive_grant();
  INFO(g.dump());
  CHECK(g["continues"] == 1);  // the first continue came after the wait
  CHECK(g["tooFast"] == 0);
}

TEST_CASE("tip settle: callback -> completed p50 within 1 s when payments land after 0.1-0.5 s",
          "[tips][sandbox][settle]") {
  Settle f({"--wait", "0", "--settle-ms", "100-500"});
  tips::TipService svc(*f.store, *f.client, f.options());
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    auto tip = f.create(svc, "alice");
    const std::string q = f.decide("accept");
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(svc.callback(tip.id, q));
    auto done = svc.wait_settled(tip.id, 15000);
    const auto t1 = std::chrono::steady_clock::now();
    REQUIRE(done);
    REQUIRE(done->status == "completed");
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  WARN("callback -> completed ms: " << ms[0] << " " << ms[1] << " " << ms[2] << " " << ms[3] << " " << ms[4]);
  CHECK(ms[2] <= 1000.0);
}

TEST_CASE("tip settle: a tip awaiting consent expires on its own at quote expiry", "[tips][sandbox][settle]") {
  Settle f({"--wait", "0", "--quote-ttl", "1"});
  auto o = f.options();
  o.expiry_check_ms = 50;
  tips::TipService svc(*f.store, *f.client, o);
  auto tip = f.create(svc, "alice");
  // Nobody reads the tip (list_recent() does not expire): poll the stored record with a deadline.
  std::optional<tips::TipRecord> r;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    r = stored(svc, tip.id);
    if (r && r->status != "awaiting_consent") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(r);
  CHECK(r->status == "expired");
  CHECK(r->error_code == "quote_expired");
  auto settled = svc.wait_settled(tip.id, 5000);  // grants released, incoming payment closed
  REQUIRE(settled);
  CHECK(f.incoming_of(tip)["completed"] == true);
  CHECK(f.interactive_grant()["state"] == "revoked");
}

TEST_CASE("tip settle: denied and failed tips complete the streamer's incoming payment", "[tips][sandbox][settle]") {
  Settle f({"--wait", "0"});
  tips::TipService svc(*f.store, *f.client, f.options());
  SECTION("denied") {
    auto tip = f.create(svc, "alice");
    REQUIRE(svc.callback(tip.id, f.decide("reject")));
    auto done = svc.wait_settled(tip.id, 10000);
    REQUIRE(done);
    CHECK(done->status == "denied");
    const json ip = f.incoming_of(tip);
    CHECK(ip["completed"] == true);
    CHECK(ip["receivedAmount"]["value"] == "0");
  }
  SECTION("failed: underfunded sender") {
    auto tip = f.create(svc, "poor");
    REQUIRE(svc.callback(tip.id, f.decide("accept")));
    auto done = svc.wait_settled(tip.id, 10000);
    REQUIRE(done);
    CHECK(done->status == "failed");
    CHECK(f.incoming_of(tip)["completed"] == true);
  }
  SECTION("completed tips are left to the wallet") {
    auto tip = f.create(svc, "alice");
    REQUIRE(svc.callback(tip.id, f.decide("accept")));
    REQUIRE(svc.wait_settled(tip.id, 10000)->status == "completed");
    CHECK(f.incoming_of(tip)["receivedAmount"]["value"] == "500");
  }
  auto failures = f.sb.failures();
  INFO(failures.dump(2));
  CHECK(failures["count"] == 0);
}

TEST_CASE("tip settle: the fee a quote reveals", "[tips][settle]") {
  auto eur = [](const char* v) { return Amount{std::stoull(v), "EUR", 2}; };
  auto normal = tips::quote_fee(eur("506"), eur("500"));
  REQUIRE(normal.fee);
  CHECK(normal.fee->units == 6);
  CHECK_FALSE(normal.high);
  // 0.01 tip that costs 1.02: the fee is far more than half the tip.
  auto tiny = tips::quote_fee(eur("102"), eur("1"));
  REQUIRE(tiny.fee);
  CHECK(tiny.fee->units == 101);
  CHECK(tiny.high);
  CHECK_FALSE(tips::quote_fee(eur("150"), eur("100")).high);  // exactly half: not more
  CHECK(tips::quote_fee(eur("151"), eur("100")).high);
  auto cross = tips::quote_fee(Amount{1102, "USD", 2}, eur("990"));
  CHECK_FALSE(cross.fee);
  CHECK_FALSE(cross.high);
}

TEST_CASE("tip settle: the continue intent is committed before the continue; grant_lost tells the viewer plainly",
          "[tips][sandbox][settle][recovery]") {
  Settle f({"--wait", "0"});
  std::string id;
  {
    auto o = f.options();
    o.crash_after = "continued";
    tips::TipService svc(*f.store, *f.client, o);
    auto tip = f.create(svc, "alice");
    id = tip.id;
    REQUIRE(svc.callback(id, f.decide("accept")));
    auto at = svc.wait_settled(id, 10000);
    REQUIRE(at);
    CHECK(at->status == "processing");
    CHECK(at->continue_sent_ns > 0);
    CHECK(at->op_token.empty());
  }
  tips::TipService svc(*f.store, *f.client, f.options());
  svc.recover();
  auto done = svc.wait_settled(id, 10000);
  REQUIRE(done);
  CHECK(done->status == "failed");
  CHECK(done->error_code == "grant_lost");
  CHECK(done->error_message.find("Nothing was charged") != std::string::npos);
  CHECK(done->error_message.find("send the tip again") != std::string::npos);
  CHECK(f.incoming_of(*done)["completed"] == true);
}
