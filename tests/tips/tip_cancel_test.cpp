// Abandoned quotes (TipService::cancel), the per-wallet limit that gives cancelled and expired tips
// back, the owncastUserId hint, and the sentences viewers read when a wallet fails: all against the
// Node Open Payments sandbox.
#include "tips/tip_cancel.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "net/ssrf.h"
#include "support/sandbox.h"
#include "support/test_support.h"
#include "tips/tip_service.h"

#include "app/tip_http.h"
#include "tips/wallet_rate.h"

using json = nlohmann::json;
using namespace wm;
using namespace wm::openpayments;

namespace {

int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

struct Fixture {
  test::Sandbox sb;
  test::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Client> client;
  int dead_port = closed_port();

  explicit Fixture(std::vector<std::string> sandbox_args = {"--wait", "0"}, bool register_key = true)
      : sb(sandbox_args) {
    auto k = PrivateKey::generate();
    REQUIRE(k);
    auto key = std::make_shared<const PrivateKey>(std::move(*k));
    if (register_key) sb.register_key("streamer", key->public_jwk("tip-key"));
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
    store::Options so;
    so.dir = dir.path();
    auto s = store::Store::open(so);
    REQUIRE(s);
    store = std::move(*s);
  }

  std::unique_ptr<tips::TipService> service(int rate_per_wallet = 10) {
    tips::TipServiceOptions o;
    o.streamer_wallet = sb.wallet("streamer");
    o.callback_url = [](const std::string& id) { return app::tip_callback_url("http://127.0.0.1:9", id); };
    o.poll_first_ms = 20;
    o.poll_max_ms = 100;
    o.receipt_timeout_ms = 3000;
    o.rate_per_wallet = rate_per_wallet;
    return std::make_unique<tips::TipService>(*store, *client, o);
  }

  static json body(const std::string& wallet) {
    return json{{"senderWalletAddress", wallet},
                {"amount", {{"value", "500"}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                {"displayName", "Alice"}};
  }

  tips::TipRecord create(tips::TipService& svc, const json& b, const std::string& key = "",
                         const std::string& session = "") {
    auto r = svc.create({b, key, "10.0.0.1", session});
    INFO((r ? "" : r.error().code + ": " + r.error().message));
    REQUIRE(r);
    return r->tip;
  }

  tips::TipError create_error(tips::TipService& svc, const json& b) {
    auto r = svc.create({b, "", ""});
    REQUIRE_FALSE(r);
    return r.error();
  }

  // The interactive (outgoing-payment) grants the sandbox holds: id -> state.
  std::vector<std::string> interactive_grant_states() {
    std::vector<std::string> out;
    const json state = sb.state();
    for (const auto& g : state["grants"])
      if (g["interactive"] == true) out.push_back(g["state"]);
    return out;
  }

  int64_t balance(const std::string& wallet) {
    return std::stoll(sb.state()["wallets"][wallet]["balance"].get<std::string>());
  }
};

tips::CancelRequest by_key(std::string key) { return tips::CancelRequest{{}, std::move(key)}; }
tips::CancelRequest by_session(std::string id) { return tips::CancelRequest{{std::move(id)}, ""}; }

// A person's sentence: no upstream detail, no status numbers, no URL we were given.
void plain_sentence(const std::string& m, const std::string& typed = "") {
  INFO(m);
  CHECK_FALSE(m.empty());
  CHECK(m.find("HTTP") == std::string::npos);
  CHECK(m.find("(4") == std::string::npos);
  CHECK(m.find("transport") == std::string::npos);
  CHECK(m.find("127.0.0.1") == std::string::npos);
  if (!typed.empty()) CHECK(m.find(typed) == std::string::npos);
  CHECK((m.back() == '.' || m.back() == '!'));
}

}  // namespace

TEST_CASE("tip cancel: the creator's Idempotency-Key ends an awaiting tip as cancelled and cancels its grant",
          "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  const int64_t alice0 = f.balance("alice");
  auto tip = f.create(*svc, Fixture::body(f.sb.wallet("alice")), "idem-1");
  REQUIRE(f.interactive_grant_states() == std::vector<std::string>{"pending"});
  auto r = svc->cancel(tip.id, by_key("idem-1"));
  INFO((r ? "" : r.error().code + ": " + r.error().message));
  REQUIRE(r);
  CHECK(r->status == "cancelled");
  CHECK(r->error_code == "cancelled");
  auto stored = svc->get(tip.id);
  REQUIRE(stored);
  CHECK(stored->status == "cancelled");
  CHECK(stored->continue_uri.empty());  // grant released
  CHECK(stored->quote_token.empty());
  CHECK(f.interactive_grant_states() == std::vector<std::string>{"revoked"});
  // Approving it in the wallet afterwards changes nothing and charges nothing.
  CHECK(tips::is_final("cancelled"));
  auto again = svc->cancel(tip.id, by_key("idem-1"));
  REQUIRE_FALSE(again);
  CHECK(app::tip_error_status(again.error().kind) == 409);
  CHECK(again.error().code == "not_cancellable");
  CHECK(f.balance("alice") == alice0);
  CHECK(f.sb.failures()["count"] == 0);
}

TEST_CASE("tip cancel: only the creator's viewer session or key, only while awaiting consent", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  auto tip = f.create(*svc, Fixture::body(f.sb.wallet("alice")), "", "session-A");
  CHECK_FALSE(tip.creator_session_hash.empty());
  CHECK(tip.creator_session_hash.find("session-A") == std::string::npos);  // a hash, not the id
  CHECK(tip.creator_key_hash.empty());

  auto unknown = svc->cancel("tnosuchtip", by_session("session-A"));
  REQUIRE_FALSE(unknown);
  CHECK(app::tip_error_status(unknown.error().kind) == 404);
  for (const auto& who : {by_session("session-B"), by_key("session-A"), tips::CancelRequest{}}) {
    auto denied = svc->cancel(tip.id, who);
    REQUIRE_FALSE(denied);
    CHECK(app::tip_error_status(denied.error().kind) == 403);
    CHECK(denied.error().code == "not_creator");
  }
  CHECK(svc->get(tip.id)->status == "awaiting_consent");
  // A second presented session that matches is enough (header and cookie may differ).
  auto ok = svc->cancel(tip.id, tips::CancelRequest{{"session-B", "session-A"}, ""});
  REQUIRE(ok);
  CHECK(ok->status == "cancelled");

  // Approved (processing/completed): 409.
  auto paid = f.create(*svc, Fixture::body(f.sb.wallet("alice")), "idem-2");
  std::string url = f.sb.decide_latest("accept");
  auto cb = svc->callback(paid.id, url.substr(url.find('?') + 1));
  REQUIRE(cb);
  auto late = svc->cancel(paid.id, by_key("idem-2"));
  REQUIRE_FALSE(late);
  CHECK(app::tip_error_status(late.error().kind) == 409);
  auto done = svc->wait_settled(paid.id, 10000);
  REQUIRE(done);
  CHECK(done->status == "completed");
}

TEST_CASE("tip cancel: cancelled and expired tips give their per-wallet slot back", "[tips][sandbox]") {
  Fixture f({"--wait", "0", "--quote-ttl", "1"});
  auto svc = f.service(1);
  auto first = f.create(*svc, Fixture::body(f.sb.wallet("alice")), "k1");
  auto limited = svc->create({Fixture::body(f.sb.wallet("alice")), "k2", "10.0.0.1"});
  REQUIRE_FALSE(limited);
  CHECK(app::tip_error_status(limited.error().kind) == 429);
  REQUIRE(svc->cancel(first.id, by_key("k1")));
  auto second = f.create(*svc, Fixture::body(f.sb.wallet("alice")), "k3");
  // The quote lives 1 s: poll until the tip reads as expired, then the wallet may tip again.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  tips::TipStatus status{};
  while (std::chrono::steady_clock::now() < deadline) {
    status = svc->get(second.id)->status;
    if (status != "awaiting_consent") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(status == "expired");
  f.create(*svc, Fixture::body(f.sb.wallet("alice")), "k4");
}

TEST_CASE("tip cancel: WalletRate counts per wallet and gives released tips back") {
  tips::WalletRate rate(60);
  int retry = 0;
  CHECK_FALSE(rate.limited("w1", "t1", 2, retry));
  CHECK_FALSE(rate.limited("w1", "t2", 2, retry));
  CHECK(rate.limited("w1", "t3", 2, retry));
  CHECK(retry > 0);
  CHECK(retry <= 60);
  CHECK_FALSE(rate.limited("w2", "t4", 2, retry));  // another wallet
  rate.release("t1");
  rate.release("t1");       // twice: harmless
  rate.release("unknown");  // not counted: harmless
  CHECK_FALSE(rate.limited("w1", "t5", 2, retry));
  CHECK(rate.limited("w1", "t6", 2, retry));
  CHECK_FALSE(rate.limited("w1", "t7", 0, retry));  // 0: no limit
}

TEST_CASE("tip cancel: owncastUserId is an optional hint of at most 64 characters", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  auto b = Fixture::body(f.sb.wallet("alice"));
  b["owncastUserId"] = "owncast-user-7f3a";
  CHECK(f.create(*svc, b).owncast_user_id == "owncast-user-7f3a");
  std::string emoji;
  for (int i = 0; i < 64; ++i) emoji += "\xF0\x9F\x8E\x89";  // 64 characters, 256 bytes
  b["owncastUserId"] = emoji;
  CHECK(f.create(*svc, b).owncast_user_id == emoji);
  b["owncastUserId"] = nullptr;
  CHECK(f.create(*svc, b).owncast_user_id.empty());
  for (const json& bad : {json(std::string(65, 'u')), json(42), json("a\nb"), json::array()}) {
    INFO(bad.dump());
    b["owncastUserId"] = bad;
    auto e = f.create_error(*svc, b);
    CHECK(app::tip_error_status(e.kind) == 400);
    CHECK(e.code == "invalid_owncast_user_id");
    CHECK(e.message.find("owncastUserId") != std::string::npos);
  }
  CHECK(tips::to_public(f.create(*svc, Fixture::body(f.sb.wallet("alice")))).dump().find("owncast") ==
        std::string::npos);
}

TEST_CASE("tip errors: viewers read a plain sentence with the next step", "[tips][sandbox]") {
  Fixture f;
  auto svc = f.service();
  SECTION("a wallet address that does not exist") {
    const std::string typed = f.sb.wallet("alicee");
    auto e = f.create_error(*svc, Fixture::body(typed));
    CHECK(app::tip_error_status(e.kind) == 400);
    CHECK(e.code == "invalid_wallet_address");
    CHECK(e.message.rfind("We couldn't find that wallet address. Check the spelling", 0) == 0);
    CHECK(e.message.find("https://wallet.example/alice") != std::string::npos);
    plain_sentence(e.message, typed);
  }
  SECTION("a host that does not exist") {
    auto e = f.create_error(*svc, Fixture::body("https://wallet.invalid/alice"));
    CHECK(app::tip_error_status(e.kind) == 400);
    CHECK(e.code == "invalid_wallet_address");
    CHECK(e.message.rfind("We couldn't find a wallet provider at that address.", 0) == 0);
    CHECK(e.message.find("resolve") == std::string::npos);
    plain_sentence(e.message, "wallet.invalid");
  }
  SECTION("a wallet provider that does not answer") {
    auto e = f.create_error(*svc, Fixture::body("https://127.0.0.1:" + std::to_string(f.dead_port) + "/alice"));
    CHECK(app::tip_error_status(e.kind) == 502);
    CHECK(e.code == "wallet_unreachable");
    CHECK(e.message == "Your wallet provider didn't answer. Try again in a minute.");
  }
  SECTION("a wallet that ends the approval with its own words") {
    auto tip = f.create(*svc, Fixture::body(f.sb.wallet("alice")));
    // The wallet really ended the interaction (a hashless redirect is only believed once the
    // authorization server confirms it), then redirected with its own words.
    f.sb.decide_latest("reject");
    auto cb = svc->callback(tip.id, "result=invalid_interaction&message=raw+upstream+words");
    REQUIRE(cb);
    CHECK(cb->tip.status == "failed");
    CHECK(cb->tip.error_code == "interaction_failed");
    CHECK(cb->tip.error_message.find("upstream") == std::string::npos);
    CHECK(cb->tip.error_message.find("invalid_interaction") == std::string::npos);
    plain_sentence(cb->tip.error_message);
  }
  SECTION("two wallets that cannot pay each other (no quote possible)") {
    f.sb.fault({{"match", "/rs/quotes"},
                {"status", 400},
                {"body", R"({"error":{"code":"400","description":"no route to receiver, secret detail"}})"}});
    auto e = f.create_error(*svc, Fixture::body(f.sb.wallet("bob")));
    CHECK(app::tip_error_status(e.kind) == 422);
    CHECK(e.code == "cannot_pay");
    CHECK(e.message.rfind("Your wallet can't pay the streamer's wallet", 0) == 0);
    CHECK(e.message.find("secret detail") == std::string::npos);
    plain_sentence(e.message);
  }
}

TEST_CASE("tip errors: a streamer key the wallet does not know reads as a setup problem, not a wallet dump",
          "[tips][sandbox]") {
  Fixture f({"--wait", "0"}, false);  // the key was never uploaded
  auto svc = f.service();
  auto e = f.create_error(*svc, Fixture::body(f.sb.wallet("alice")));
  CHECK(app::tip_error_status(e.kind) == 502);
  CHECK(e.code == "streamer_wallet_error");
  CHECK(e.message.find("please let the streamer know") != std::string::npos);
  CHECK(e.message.find("invalid_client") == std::string::npos);
  CHECK(e.message.find("could not determine client") == std::string::npos);
  plain_sentence(e.message);
}

TEST_CASE("tip cancel: creator_hash separates the two credentials and hides the secret") {
  const auto s = tips::creator_hash(tips::kViewerSessionCredential, "abc");
  const auto k = tips::creator_hash(tips::kIdempotencyKeyCredential, "abc");
  CHECK(s.size() == 64);
  CHECK(s != k);
  CHECK(s.find("abc") == std::string::npos);
  CHECK(tips::creator_hash(tips::kViewerSessionCredential, "").empty());
}
