// The streaming-support state machine in process (fake wallet, injected clock): no sandbox, no
// sleeps. Conformance with a real wallet: support_flow_test.cpp.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "core/timeutil.h"
#include "store/store.h"
#include "support/support_service.h"
#include "support/test_support.h"
#include "supportpay/fake_support_wallet.h"

using namespace wm;
using support::SupportStatus;
using Fake = test::FakeSupportWallet;

namespace {

constexpr int64_t kSec = 1000000000;

struct Rig {
  test::TempDir dir;
  std::unique_ptr<store::Store> store;
  int64_t t = 1800000000LL * kSec;
  Fake wallet{[this] { return t; }};
  std::mutex notes_mu;
  std::vector<support::SupportNote> notes;
  std::unique_ptr<support::SupportService> svc;
  std::string id, token;

  Rig() {
    store::Options so;
    so.dir = dir.path();
    auto opened = store::Store::open(so);
    store = std::move(opened.value());
    svc = make();
  }
  std::unique_ptr<support::SupportService> make(std::shared_ptr<tips::TipEnv> env = nullptr) {
    support::SupportOptions o;
    o.streamer_wallet = Fake::kStreamer;
    o.callback_url = [](const std::string& id) { return "http://cb/" + id; };
    o.clock = [this] { return t; };
    o.start_thread = false;
    o.env = std::move(env);
    o.on_event = [this](const support::SupportNote& n) {
      std::lock_guard<std::mutex> l(notes_mu);  // a round pays sessions on several threads
      notes.push_back(n);
    };
    return std::make_unique<support::SupportService>(*store, wallet, o);
  }
  nlohmann::json body(uint64_t per_hour = 100) {
    return {{"senderWalletAddress", Fake::kAlice},
            {"rate", {{"value", std::to_string(per_hour)}, {"assetCode", "EUR"}, {"assetScale", 2}}}};
  }
  void start(uint64_t per_hour = 100) {
    auto c = svc->create(body(per_hour), "");
    REQUIRE(c);
    id = c->record.id;
    token = c->control_token;
    wallet.interval_start_ns = c->record.interval_start_ns;
    auto cb = svc->callback(id, wallet.approve(c->record.consent_url));
    REQUIRE(cb);
    REQUIRE(cb->status == SupportStatus::active);
  }
  // n rounds of: seconds pass, a heartbeat, a scheduler tick.
  void watch(int n, int seconds = 20) {
    for (int i = 0; i < n; ++i) {
      t += seconds * kSec;
      REQUIRE(svc->heartbeat(id, token));
      svc->tick();
    }
  }
  support::SupportRecord rec() { return *svc->get(id); }
};

}  // namespace

TEST_CASE("support: payments sum to rate x watched time, rounded down, remainder carried", "[support]") {
  Rig r;
  r.start(100);  // 1.00 EUR per hour
  r.svc->set_live(true);
  r.watch(1);  // 20 s = 0.55 units: nothing yet, carried
  CHECK(r.wallet.payments_created == 0);
  r.watch(29);  // 600 s in all = 16.67 units
  auto s = r.rec();
  CHECK(s.watched_ms == 600000);
  CHECK(s.sent_receive_units == 16);
  CHECK(r.wallet.received == 16);
  CHECK(s.received_units == 16);
  CHECK(support::pending(s) == 0);
  CHECK(s.payments == static_cast<uint64_t>(r.wallet.payments_created));
  CHECK(s.payments > 1);
  auto pub = support::to_public(s, r.t);
  CHECK(pub["paid"]["value"] == "16");
  CHECK(pub["status"] == "active");
  CHECK(pub["remaining"]["value"] == std::to_string(101 - r.wallet.debited));
  r.watch(6);  // 720 s = 20 units exactly
  CHECK(r.rec().sent_receive_units == 20);
  CHECK(r.wallet.received == 20);
  CHECK(r.notes.front().kind == support::NoteKind::started);
  CHECK(r.notes.back().kind == support::NoteKind::payment);
}

TEST_CASE("support: create answers a control token once and asks the right grant", "[support]") {
  Rig r;
  auto c = r.svc->create(r.body(), "key-1");
  REQUIRE(c);
  CHECK(c->control_token.size() >= 22);  // >= 128 bits, URL-safe base64
  CHECK(c->record.status == SupportStatus::awaiting_consent);
  CHECK(c->record.control_hash != c->control_token);
  REQUIRE(r.wallet.limits);
  CHECK(r.wallet.limits->debit_amount->units == 101);  // the quote of 1 h (100) + fee
  CHECK(r.wallet.limits->receiver == c->record.incoming_payment_id);
  CHECK(r.wallet.limits->interval == "R/" + timeutil::format_rfc3339(r.t) + "/PT1H");
  CHECK(r.wallet.expires_at == timeutil::format_rfc3339(r.t + 12 * 3600 * kSec));
  auto again = r.svc->create(r.body(), "key-1");
  REQUIRE(again);
  CHECK(again->replayed);
  CHECK(again->record.id == c->record.id);
  CHECK(again->control_token.empty());
  auto other = r.svc->create(r.body(300), "key-1");
  REQUIRE_FALSE(other);
  CHECK(other.error().code == "idempotency_key_reused");
  auto preset = r.svc->create({{"senderWalletAddress", Fake::kAlice}, {"presetId", "medium"}}, "");
  REQUIRE(preset);
  CHECK(preset->record.rate.units == 120);
  auto bad = r.svc->create({{"senderWalletAddress", Fake::kAlice}, {"rate", {{"value", "1"}, {"assetCode", "USD"}, {"assetScale", 2}}}}, "");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "invalid_rate");
}

TEST_CASE("support: no heartbeat or the stream offline -> paused, no payment", "[support]") {
  Rig r;
  r.start();
  r.svc->set_live(true);
  r.t += 60 * kSec;
  r.svc->tick();
  CHECK(r.rec().status == SupportStatus::paused);
  CHECK(r.rec().watched_ms == 0);
  r.watch(3);  // heartbeats: active, 60 s counted
  CHECK(r.rec().status == SupportStatus::active);
  CHECK(r.rec().watched_ms == 60000);
  r.t += 100 * kSec;  // heartbeats stop: only 30 s after the last one count
  r.svc->tick();
  CHECK(r.rec().status == SupportStatus::paused);
  CHECK(r.rec().watched_ms == 90000);
  r.watch(1);
  r.svc->set_live(false);
  const auto before = r.rec().watched_ms;
  r.watch(5);
  CHECK(r.rec().status == SupportStatus::paused);
  CHECK(r.rec().watched_ms == before);
}

TEST_CASE("support: the grant's period limit -> limit_reached, resumes next period", "[support]") {
  Rig r;
  r.wallet.fee_units = 5;  // fees eat the hourly debit budget before the hour is over
  r.start(100);            // budget 105 per hour
  r.svc->set_live(true);
  r.watch(90, 30);  // 45 minutes
  auto s = r.rec();
  CHECK(s.status == SupportStatus::limit_reached);
  CHECK(r.wallet.debited <= 105);
  const int made = r.wallet.payments_created;
  r.watch(5, 30);  // still this period: no attempt sends money, no retry storm
  CHECK(r.wallet.payments_created == made);
  CHECK(r.rec().status == SupportStatus::limit_reached);
  r.t = s.interval_start_ns + 3600 * kSec;  // next period
  r.watch(2);
  CHECK(r.rec().status == SupportStatus::active);
  CHECK(r.wallet.payments_created > made);
}

TEST_CASE("support: an undeliverable interval is carried as pendingAmount", "[support]") {
  Rig r;
  r.wallet.min_receive = 5;
  r.start(100);
  r.svc->set_live(true);
  r.watch(6);  // 120 s = 3 units, below the wallet's minimum
  auto s = r.rec();
  CHECK(r.wallet.payments_created == 0);
  CHECK(support::pending(s) == 3);
  CHECK(support::to_public(s, r.t)["pendingAmount"]["value"] == "3");
  CHECK(support::to_public(s, r.t)["pendingReason"] == "quote_failed");
  r.watch(3);  // 180 s = 5 units: one payment with what was carried
  CHECK(r.wallet.payments_created == 1);
  CHECK(r.wallet.received == 5);
  CHECK(support::pending(r.rec()) == 0);
}

TEST_CASE("support: stop needs the control token and revokes the grant at once", "[support]") {
  Rig r;
  r.start();
  r.svc->set_live(true);
  r.watch(3);
  CHECK_FALSE(r.svc->heartbeat(r.id, "wrong"));
  auto wrong = r.svc->stop(r.id, "wrong");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == "not_found");
  auto s = r.svc->stop(r.id, r.token);
  REQUIRE(s);
  CHECK(s->status == SupportStatus::stopped);
  CHECK(r.wallet.revoked >= 1);
  const int made = r.wallet.payments_created;
  r.t += 600 * kSec;
  r.svc->tick();
  CHECK(r.wallet.payments_created == made);
  CHECK(r.notes.back().kind == support::NoteKind::stopped);
}

TEST_CASE("support: a crash after the quote is committed pays that interval once", "[support]") {
  Rig r;
  r.start(3600);  // 1 unit per second
  r.svc = r.make(tips::stop_at_step("support_quoted"));
  r.svc->set_live(true);
  r.watch(1);
  CHECK(r.wallet.payments_created == 0);
  REQUIRE(r.rec().in_flight);
  r.svc = r.make();  // the restart (the stream is still live)
  r.svc->set_live(true);
  r.svc->tick();
  CHECK(r.wallet.payments_created == 1);
  CHECK(r.wallet.received == 20);
  CHECK(r.rec().sent_receive_units == 20);
  CHECK_FALSE(r.rec().in_flight);
}

TEST_CASE("support: a crash after the wallet paid but before the commit never pays twice", "[support]") {
  Rig r;
  r.start(3600);
  r.svc = r.make(tips::stop_at_step("support_sent_unrecorded"));
  r.svc->set_live(true);
  r.watch(1);
  CHECK(r.wallet.payments_created == 1);
  REQUIRE(r.rec().in_flight);
  r.svc = r.make();
  r.svc->set_live(true);
  r.svc->tick();  // the same quote again: refused, counted as sent
  r.svc->tick();
  CHECK(r.wallet.payments_created == 1);
  CHECK(r.wallet.received == 20);
  CHECK(r.rec().sent_receive_units == 20);
  r.watch(1);
  CHECK(r.wallet.received == 40);
  CHECK(r.rec().sent_receive_units == 40);
}

TEST_CASE("support: an intent committed before the quote is dropped on restart", "[support]") {
  Rig r;
  r.start(3600);
  r.svc = r.make(tips::stop_at_step("support_intent"));
  r.svc->set_live(true);
  r.watch(1);
  CHECK(r.wallet.quotes_created == 1);  // the hourly quote only
  r.svc = r.make();
  r.svc->tick();
  CHECK(r.wallet.payments_created == 1);
  CHECK(r.wallet.received == 20);
}

TEST_CASE("support: a round pays several sessions at once, each session by one thread", "[support]") {
  // One slow wallet request used to hold up every other session of the round (one thread).
  Rig r;
  r.svc->set_live(true);
  struct Session {
    std::string id, token;
  };
  std::vector<Session> sessions;
  for (int i = 0; i < 4; ++i) {
    r.start(3600);  // 36.00 EUR per hour: one unit per second
    sessions.push_back({r.id, r.token});
  }
  std::mutex m;
  std::condition_variable cv;
  int inside = 0, most = 0;
  r.wallet.before_payment = [&] {
    std::unique_lock<std::mutex> l(m);
    most = std::max(most, ++inside);
    cv.notify_all();
    // Hold each payment until a second one is in flight (bounded: a lone payment goes on after 5 s).
    cv.wait_for(l, std::chrono::seconds(5), [&] { return most >= 2; });
    --inside;
  };
  r.t += 20 * kSec;
  for (const auto& s : sessions) REQUIRE(r.svc->heartbeat(s.id, s.token));
  const auto started = std::chrono::steady_clock::now();
  r.svc->tick();
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(most >= 2);  // a second session was paid while the first payment was in flight
  CHECK(took < std::chrono::seconds(5));
  for (const auto& s : sessions) {
    auto rec = r.svc->get(s.id);
    REQUIRE(rec);
    CHECK(rec->payments == 1);  // each session paid once in the round
    CHECK(rec->sent_receive_units == 20);
  }
  CHECK(r.wallet.payments_created == 4);
}
