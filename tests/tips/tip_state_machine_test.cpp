// The tip state machine in process: TipService against FakeWallet (fake_wallet.h) and a real LMDB
// store, no sandbox, no network. Fast (a few ms per case): the receipt polls, retries and expiry
// timer are set to milliseconds. The sandbox tests (tip_service_test.cpp) prove the same machine
// against Interledger's own libraries.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

#include "app/tip_http.h"
#include "fake_wallet.h"
#include "support/test_support.h"
#include "tips/tip_service.h"

using namespace wm;
using json = nlohmann::json;
using tips::TipErrorCode;
using tips::TipStatus;

namespace {

// Records every crash point passed; stops at `stop` (a simulated crash) when set.
class RecordingEnv : public tips::TipEnv {
 public:
  explicit RecordingEnv(std::string stop = "") : stop_(std::move(stop)) {}
  bool crash_after(std::string_view step, const std::string&) override {
    std::lock_guard<std::mutex> l(mu_);
    steps_.emplace_back(step);
    return step == stop_;
  }
  std::vector<std::string> steps() {
    std::lock_guard<std::mutex> l(mu_);
    return steps_;
  }

 private:
  std::mutex mu_;
  std::string stop_;
  std::vector<std::string> steps_;
};

struct Machine {
  test::TempDir dir;
  std::unique_ptr<store::Store> store;
  test::FakeWallet wallet;
  std::atomic<int> completed_calls{0};

  Machine() {
    store::Options so;
    so.dir = dir.path();
    auto s = store::Store::open(so);
    REQUIRE(s);
    store = std::move(*s);
  }

  tips::TipServiceOptions options() {
    tips::TipServiceOptions o;
    o.streamer_wallet = test::FakeWallet::kStreamer;
    o.callback_url = [](const std::string& id) { return app::tip_callback_url("http://127.0.0.1:9", id); };
    o.poll_first_ms = 1;
    o.poll_max_ms = 5;
    o.receipt_timeout_ms = 100;
    o.expiry_check_ms = 10;
    o.retry_base_ms = 1;
    o.workers = 2;
    o.on_completed = [this](const tips::TipRecord&) { ++completed_calls; };
    return o;
  }
  std::unique_ptr<tips::TipService> service(tips::TipServiceOptions o) {
    return std::make_unique<tips::TipService>(*store, wallet, std::move(o));
  }
  std::unique_ptr<tips::TipService> service() { return service(options()); }

  static json body(const std::string& value = "500") {
    return json{{"senderWalletAddress", test::FakeWallet::kAlice},
                {"amount", {{"value", value}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                {"message", "great stream"},
                {"displayName", "Alice"}};
  }
  tips::TipRecord create(tips::TipService& svc, const std::string& key = "") {
    auto r = svc.create({body(), key, "10.0.0.1"});
    INFO((r ? "" : r.error().code + ": " + r.error().message));
    REQUIRE(r);
    CHECK(r->tip.status == TipStatus::awaiting_consent);
    return r->tip;
  }
};

bool no_secrets(const tips::TipRecord& r) {
  return r.op_token.empty() && r.streamer_token.empty() && r.quote_token.empty() && r.continue_uri.empty() &&
         r.nonce.empty();
}

}  // namespace

TEST_CASE("tip machine: create -> callback -> processing -> completed, debited once", "[tips][fake]") {
  Machine m;
  auto env = std::make_shared<RecordingEnv>();
  auto o = m.options();
  o.env = env;
  auto svc = m.service(o);
  auto tip = m.create(*svc);
  CHECK(tip.debit_amount.units == 510);  // 5.00 EUR + the wallet's fee
  CHECK(tip.consent_url.rfind("https://fake.test/consent/", 0) == 0);
  auto cb = svc->callback(tip.id, m.wallet.approve(tip.consent_url));
  REQUIRE(cb);
  CHECK(cb->changed);
  CHECK(cb->tip.status == TipStatus::processing);
  auto done = svc->wait_settled(tip.id, 5000);
  REQUIRE(done);
  CHECK(done->status == TipStatus::completed);
  CHECK(no_secrets(*done));
  CHECK_FALSE(done->notify_pending);
  CHECK(m.completed_calls == 1);
  const auto c = m.wallet.counts();
  CHECK(c.outgoing_created == 1);
  CHECK(c.alice_debited == 510);
  CHECK(c.completed_incoming == 0);  // paid: the streamer's incoming payment stays as it is
  CHECK(env->steps() == std::vector<std::string>{"processing", "continued", "token", "attempted",
                                                 "payment_unrecorded", "payment", "receipt", "completed"});
  // A second callback changes nothing.
  auto again = svc->callback(tip.id, "result=grant_rejected");
  REQUIRE(again);
  CHECK_FALSE(again->changed);
}

TEST_CASE("tip machine: the stream is told before any wallet round trip of the cleanup", "[tips][fake]") {
  // Alerts wait on on_completed: revoking three tokens at the wallet first delayed them by
  // three signed round trips (tens of ms each against a real wallet).
  Machine m;
  auto o = m.options();
  test::FakeWallet::Counts at_call{};
  bool record_cleared = false;
  o.on_completed = [&](const tips::TipRecord& r) {
    at_call = m.wallet.counts();
    record_cleared = no_secrets(r);
    ++m.completed_calls;
  };
  auto svc = m.service(o);
  auto tip = m.create(*svc);
  REQUIRE(svc->callback(tip.id, m.wallet.approve(tip.consent_url)));
  auto done = svc->wait_settled(tip.id, 5000);
  REQUIRE(done);
  CHECK(done->status == TipStatus::completed);
  REQUIRE(m.completed_calls == 1);
  CHECK(record_cleared);               // what the stream sees carries no token
  CHECK(at_call.revoked == 0);         // told first ...
  CHECK(at_call.cancelled_grants == 0);
  const auto after = m.wallet.counts();
  CHECK(after.revoked > 0);            // ... and the grants are still released afterwards
  CHECK(no_secrets(*done));
  CHECK_FALSE(done->notify_pending);
}

TEST_CASE("tip machine: denied in the wallet -> denied, nothing charged, everything closed", "[tips][fake]") {
  Machine m;
  auto svc = m.service();
  auto tip = m.create(*svc);
  auto cb = svc->callback(tip.id, test::FakeWallet::deny());
  REQUIRE(cb);
  CHECK(cb->tip.status == TipStatus::denied);
  auto done = svc->wait_settled(tip.id, 5000);
  REQUIRE(done);
  CHECK(done->status == "denied");
  CHECK(done->error_code == "denied");
  CHECK(no_secrets(*done));
  const auto c = m.wallet.counts();
  CHECK(c.alice_debited == 0);
  CHECK(c.completed_incoming == 1);
  CHECK(c.cancelled_grants == 1);
  CHECK(m.completed_calls == 0);
}

TEST_CASE("tip machine: a rejection the wallet does not confirm leaves the tip open (409)", "[tips][fake]") {
  Machine m;
  m.wallet.poll_denied = false;
  auto svc = m.service();
  auto tip = m.create(*svc);
  auto cb = svc->callback(tip.id, test::FakeWallet::deny());
  REQUIRE_FALSE(cb);
  CHECK(cb.error().kind == TipErrorCode::rejection_unconfirmed);
  CHECK(app::tip_error_status(cb.error().kind) == 409);
  CHECK(svc->get(tip.id)->status == TipStatus::awaiting_consent);
}

TEST_CASE("tip machine: the wallet refuses the payment -> failed payment_refused, nothing charged", "[tips][fake]") {
  Machine m;
  m.wallet.payment_error = openpayments::OpError{403, "insufficient_funds", "insufficient balance", "", 0};
  auto svc = m.service();
  auto tip = m.create(*svc);
  REQUIRE(svc->callback(tip.id, m.wallet.approve(tip.consent_url)));
  auto done = svc->wait_settled(tip.id, 5000);
  REQUIRE(done);
  CHECK(done->status == TipStatus::failed);
  CHECK(done->error_code == "payment_refused");
  CHECK(no_secrets(*done));
  CHECK(m.wallet.counts().alice_debited == 0);
  CHECK(m.wallet.counts().completed_incoming == 1);
  CHECK(m.completed_calls == 0);
}

TEST_CASE("tip machine: paid but never received -> failed receipt_timeout", "[tips][fake]") {
  Machine m;
  m.wallet.deliver = false;
  auto svc = m.service();
  auto tip = m.create(*svc);
  REQUIRE(svc->callback(tip.id, m.wallet.approve(tip.consent_url)));
  auto done = svc->wait_settled(tip.id, 5000);
  REQUIRE(done);
  CHECK(done->status == TipStatus::failed);
  CHECK(done->error_code == "receipt_timeout");
  CHECK(m.wallet.counts().outgoing_created == 1);
  CHECK(m.completed_calls == 0);
}

TEST_CASE("tip machine: GET is read-only; the worker expires a tip past its quote", "[tips][fake]") {
  Machine m;
  m.wallet.quote_ttl_s = -1;  // the quote is already expired when the tip is created
  auto o = m.options();
  o.expiry_check_ms = 60000;  // the timer does not run during this test: expire_due() is called
  auto svc = m.service(o);
  auto tip = m.create(*svc);
  const auto before = m.wallet.counts();
  auto seen = svc->get(tip.id);
  REQUIRE(seen);
  CHECK(seen->status == TipStatus::awaiting_consent);  // reading never ends a tip
  const auto after = m.wallet.counts();
  CHECK(after.revoked == before.revoked);
  CHECK(after.cancelled_grants == before.cancelled_grants);
  CHECK(after.completed_incoming == before.completed_incoming);
  svc->expire_due();
  auto done = svc->wait_settled(tip.id, 5000);
  REQUIRE(done);
  CHECK(done->status == TipStatus::expired);
  CHECK(done->error_code == "quote_expired");
  CHECK(no_secrets(*done));
  CHECK(m.wallet.counts().completed_incoming == 1);
}

TEST_CASE("tip machine: the expiry timer ends an unapproved tip", "[tips][fake]") {
  Machine m;
  m.wallet.quote_ttl_s = -1;
  auto svc = m.service();
  auto tip = m.create(*svc);
  auto done = svc->wait_settled(tip.id, 5000);
  REQUIRE(done);
  CHECK(done->status == TipStatus::expired);
}

TEST_CASE("tip machine: cancel before approval; not after", "[tips][fake]") {
  Machine m;
  auto svc = m.service();
  auto tip = m.create(*svc, "idem-1");
  auto wrong = svc->cancel(tip.id, tips::CancelRequest{{}, "other-key"});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().kind == TipErrorCode::not_creator);
  auto ok = svc->cancel(tip.id, tips::CancelRequest{{}, "idem-1"});
  REQUIRE(ok);
  CHECK(ok->status == TipStatus::cancelled);
  CHECK(m.wallet.counts().cancelled_grants == 1);
  auto twice = svc->cancel(tip.id, tips::CancelRequest{{}, "idem-1"});
  REQUIRE_FALSE(twice);
  CHECK(twice.error().kind == TipErrorCode::not_cancellable);
  CHECK(twice.error().code == "not_cancellable");
  auto missing = svc->cancel("tnosuch", tips::CancelRequest{{}, "idem-1"});
  REQUIRE_FALSE(missing);
  CHECK(app::tip_error_status(missing.error().kind) == 404);
}

TEST_CASE("tip machine: idempotency: same key and body -> same tip, other body -> conflict", "[tips][fake]") {
  Machine m;
  auto svc = m.service();
  auto first = svc->create({Machine::body(), "key-1", "10.0.0.1"});
  REQUIRE(first);
  CHECK_FALSE(first->replayed);
  auto second = svc->create({Machine::body(), "key-1", "10.0.0.1"});
  REQUIRE(second);
  CHECK(second->replayed);
  CHECK(second->tip.id == first->tip.id);
  auto other = svc->create({Machine::body("700"), "key-1", "10.0.0.1"});
  REQUIRE_FALSE(other);
  CHECK(other.error().kind == TipErrorCode::idempotency_key_reused);
  CHECK(other.error().code == "idempotency_key_reused");
}

TEST_CASE("tip machine: bad input is a typed error with the same code word", "[tips][fake]") {
  Machine m;
  auto svc = m.service();
  auto b = Machine::body();
  b["message"] = 5;
  auto r = svc->create({b, "", ""});
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == TipErrorCode::invalid_message);
  CHECK(r.error().code == "invalid_message");
  CHECK(app::tip_error_status(r.error().kind) == 400);
  auto big = svc->create({Machine::body("1000000"), "", ""});
  REQUIRE_FALSE(big);
  CHECK(big.error().kind == TipErrorCode::amount_out_of_range);
}

TEST_CASE("tip machine: a crash after the unrecorded payment is recovered without a second debit", "[tips][fake]") {
  Machine m;
  std::string id;
  {
    auto o = m.options();
    o.env = std::make_shared<RecordingEnv>("payment_unrecorded");
    auto svc = m.service(o);
    auto tip = m.create(*svc);
    id = tip.id;
    REQUIRE(svc->callback(id, m.wallet.approve(tip.consent_url)));
    auto at = svc->wait_settled(id, 5000);
    REQUIRE(at);
    CHECK(at->status == TipStatus::processing);
    CHECK(at->outgoing_payment_id.empty());
  }
  auto svc = m.service();
  svc->recover();
  auto done = svc->wait_settled(id, 5000);
  REQUIRE(done);
  CHECK(done->status == TipStatus::completed);  // the receipt decides: the money arrived
  CHECK(m.wallet.counts().outgoing_created == 1);
  CHECK(m.wallet.counts().alice_debited == 510);
  CHECK(m.completed_calls == 1);
}

TEST_CASE("tip machine: the grant is not continued before GNAP continue.wait", "[tips][fake]") {
  Machine m;
  m.wallet.continue_wait_s = 30;
  auto svc = m.service();
  auto tip = m.create(*svc);
  CHECK(tip.continue_after_ns >= timeutil::now_ns() + int64_t{29} * 1000000000);
  REQUIRE(svc->callback(tip.id, m.wallet.approve(tip.consent_url)));
  // The worker takes the tip and schedules it for later instead of continuing: nothing settles.
  auto r = svc->wait_settled(tip.id, 50);
  REQUIRE(r);
  CHECK(r->status == TipStatus::processing);
  CHECK(m.wallet.counts().continues == 0);
  svc->stop();  // the tip stays processing; recover() would resume it after the wait
  CHECK(m.wallet.counts().continues == 0);
}
