// AdminAuth against a real LMDB store in a temp dir, with an injected clock.
#include "admin/auth.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.h"
#include "store/store.h"
#include "support/test_support.h"

using wm::admin::AdminAuth;
using wm::admin::AuthOptions;
using Code = wm::admin::AuthErrorCode;
using wm::admin::Session;

namespace {

const std::string kPassword = "correct horse battery";

struct Fixture {
  wm::test::TempDir dir;
  std::unique_ptr<wm::store::Store> store;
  int64_t clock = 1'700'000'000;
  AuthOptions opts;

  Fixture() {
    open_store();
    opts.scrypt.n = 1u << 10;
    opts.now_s = [this] { return clock; };
  }

  void open_store() {
    wm::store::Options o;
    o.dir = dir.path();
    auto r = wm::store::Store::open(o);
    REQUIRE(r.ok());
    store = std::move(r).value();
  }

  std::unique_ptr<AdminAuth> make(std::string_view pinned = {}) {
    return std::make_unique<AdminAuth>(*store, opts, pinned);
  }

  // A fresh AdminAuth whose password (kPassword) was set through the setup token.
  std::unique_ptr<AdminAuth> make_with_password() {
    auto auth = make();
    auto token = auth->issue_setup_token();
    REQUIRE(token);
    auto s = auth->setup(*token, kPassword);
    REQUIRE(s.ok());
    return auth;
  }

  std::optional<std::string> raw(const std::string& key) const {
    std::optional<std::string> out;
    auto txn = store->begin_read();
    if (auto v = txn.get(store->table("admin"), key)) out = std::string(*v);
    return out;
  }
};

std::string basic(const std::string& user_colon_password) {
  return "Basic " + wm::crypto::base64(user_colon_password);
}

Session login_ok(AdminAuth& auth, const std::string& password = kPassword) {
  auto r = auth.login("192.0.2.1", password);
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace

// --- password state -------------------------------------------------------------------------

TEST_CASE("admin: without a password login is disabled and points to the setup link") {
  Fixture fx;
  auto auth = fx.make();
  CHECK_FALSE(auth->password_set());
  CHECK_FALSE(auth->password_pinned());
  auto r = auth->login("192.0.2.1", kPassword);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::admin_disabled);
  CHECK(r.error().message.find("setup link") != std::string::npos);
  CHECK_FALSE(auth->check_basic(basic("admin:" + kPassword)));
}

TEST_CASE("admin: a pinned password logs in and is never written to the store") {
  Fixture fx;
  auto auth = fx.make(kPassword);
  CHECK(auth->password_set());
  CHECK(auth->password_pinned());
  login_ok(*auth);
  CHECK(auth->check_basic(basic("admin:" + kPassword)));
  auto wrong = auth->login("192.0.2.1", "not the password");
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == Code::invalid_credentials);
  auto txn = fx.store->begin_read();
  CHECK(txn.count(fx.store->table("admin")) == 0);
}

TEST_CASE("admin: a pinned password refuses setup tokens, setup and change") {
  Fixture fx;
  auto auth = fx.make(kPassword);
  CHECK_FALSE(auth->issue_setup_token());
  auto s = auth->setup("anything", "another good password");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == Code::password_already_set);
  auto c = auth->change_password(kPassword, "another good password");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == Code::password_pinned);
  login_ok(*auth);  // still the pinned one
  auto txn = fx.store->begin_read();
  CHECK(txn.count(fx.store->table("admin")) == 0);
}

TEST_CASE("admin: a pinned password wins over a stored one") {
  Fixture fx;
  fx.make_with_password();
  auto auth = fx.make("the pinned password");
  CHECK(auth->login("192.0.2.1", "the pinned password").ok());
  CHECK_FALSE(auth->login("192.0.2.1", kPassword).ok());
}

// --- setup ------------------------------------------------------------------------------------

TEST_CASE("admin: setup with the token stores the password and logs in") {
  Fixture fx;
  auto auth = fx.make();
  auto token = auth->issue_setup_token();
  REQUIRE(token);
  auto s = auth->setup(*token, kPassword);
  REQUIRE(s.ok());
  CHECK(auth->password_set());
  CHECK(auth->session(s->id));
  CHECK(s->created_s == fx.clock);
  auto hash = fx.raw("password_hash");
  REQUIRE(hash);
  CHECK(hash->rfind("scrypt$10$", 0) == 0);
  CHECK(hash->find(kPassword) == std::string::npos);
  login_ok(*auth);
}

TEST_CASE("admin: a setup token works only once") {
  Fixture fx;
  auto auth = fx.make();
  auto token = auth->issue_setup_token();
  REQUIRE(token);
  REQUIRE(auth->setup(*token, kPassword).ok());
  CHECK_FALSE(fx.raw("setup_token"));  // burnt
  auto again = auth->setup(*token, "another good password");
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == Code::password_already_set);
  CHECK_FALSE(auth->issue_setup_token());
  CHECK_FALSE(auth->login("192.0.2.1", "another good password").ok());
  login_ok(*auth);
}

TEST_CASE("admin: a setup token expires after setup_token_ttl_s") {
  Fixture fx;
  auto auth = fx.make();
  auto token = auth->issue_setup_token();
  REQUIRE(token);
  fx.clock += fx.opts.setup_token_ttl_s;
  auto s = auth->setup(*token, kPassword);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == Code::setup_token_invalid);
  CHECK_FALSE(auth->password_set());
}

TEST_CASE("admin: a setup token is still valid just before its expiry") {
  Fixture fx;
  auto auth = fx.make();
  auto token = auth->issue_setup_token();
  REQUIRE(token);
  fx.clock += fx.opts.setup_token_ttl_s - 1;
  CHECK(auth->setup(*token, kPassword).ok());
}

TEST_CASE("admin: a wrong setup token is refused with the same message as an expired one") {
  Fixture fx;
  auto auth = fx.make();
  auto token = auth->issue_setup_token();
  REQUIRE(token);
  auto wrong = auth->setup(wm::crypto::random_token(32), kPassword);
  auto empty = auth->setup("", kPassword);
  fx.clock += fx.opts.setup_token_ttl_s;
  auto expired = auth->setup(*token, kPassword);
  for (const auto* r : {&wrong, &empty, &expired}) {
    REQUIRE_FALSE(r->ok());
    CHECK(r->error().code == Code::setup_token_invalid);
    CHECK(r->error().message == expired.error().message);
  }
  CHECK_FALSE(auth->password_set());
}

TEST_CASE("admin: a newer setup token replaces the earlier one") {
  Fixture fx;
  auto auth = fx.make();
  auto first = auth->issue_setup_token();
  auto second = auth->issue_setup_token();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*first != *second);
  auto old = auth->setup(*first, kPassword);
  REQUIRE_FALSE(old.ok());
  CHECK(old.error().code == Code::setup_token_invalid);
  CHECK(auth->setup(*second, kPassword).ok());
}

TEST_CASE("admin: the setup token is stored only as its SHA-256 with an expiry") {
  Fixture fx;
  auto auth = fx.make();
  auto token = auth->issue_setup_token();
  REQUIRE(token);
  CHECK(token->size() == 43);  // 32 bytes, base64url unpadded
  auto raw = fx.raw("setup_token");
  REQUIRE(raw);
  CHECK(raw->find(*token) == std::string::npos);
  auto j = nlohmann::json::parse(*raw);
  CHECK(j["sha256"] == wm::crypto::hex(wm::crypto::sha256(*token)));
  CHECK(j["expiresAt"] == fx.clock + fx.opts.setup_token_ttl_s);
  // Nothing else in the table holds the token either.
  auto txn = fx.store->begin_read();
  txn.scan_prefix(fx.store->table("admin"), "", false, [&](std::string_view k, std::string_view v) {
    CHECK(k.find(*token) == std::string_view::npos);
    CHECK(v.find(*token) == std::string_view::npos);
    return true;
  });
}

TEST_CASE("admin: weak passwords are refused at setup and the token stays usable") {
  Fixture fx;
  auto auth = fx.make();
  auto token = auth->issue_setup_token();
  REQUIRE(token);
  const std::string e_acute = "\xC3\xA9";
  std::string nine_accented;  // 18 bytes but 9 characters
  for (int i = 0; i < 9; ++i) nine_accented += e_acute;
  std::string twelve_accented = nine_accented + e_acute + e_acute + e_acute;
  for (const std::string& weak : {std::string("123456789"), std::string(), std::string(12, 'a'),
                                  std::string(1025, 'x') + "y", nine_accented, twelve_accented}) {
    INFO(weak.size());
    auto r = auth->setup(*token, weak);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Code::weak_password);
  }
  CHECK_FALSE(auth->password_set());
  CHECK(auth->setup(*token, "1234567890").ok());  // exactly 10 characters
}

TEST_CASE("admin: the longest allowed password works") {
  Fixture fx;
  auto auth = fx.make();
  auto token = auth->issue_setup_token();
  REQUIRE(token);
  const std::string longest = std::string(1023, 'x') + "y";
  REQUIRE(auth->setup(*token, longest).ok());
  CHECK(auth->login("192.0.2.1", longest).ok());
}

TEST_CASE("admin: the password hash persists across reopening the store; sessions do not") {
  Fixture fx;
  std::string id;
  {
    auto auth = fx.make_with_password();
    id = login_ok(*auth).id;
  }
  fx.store.reset();
  fx.open_store();
  auto auth = fx.make();
  CHECK(auth->password_set());
  CHECK_FALSE(auth->issue_setup_token());
  CHECK_FALSE(auth->session(id));  // memory only: a restart logs out
  login_ok(*auth);
}

// --- login and rate limit ---------------------------------------------------------------------

TEST_CASE("admin: a wrong password at login is 401 invalid_credentials") {
  Fixture fx;
  auto auth = fx.make_with_password();
  auto r = auth->login("192.0.2.1", "correct horse battery ");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::invalid_credentials);
  CHECK(r.error().message.find(kPassword) == std::string::npos);
}

TEST_CASE("admin: login failures past the free ones back off with growing retry_after") {
  Fixture fx;
  auto auth = fx.make_with_password();
  const std::string ip = "198.51.100.7";
  for (int i = 0; i < 5; ++i) CHECK(auth->login(ip, "wrong").error().code == Code::invalid_credentials);
  CHECK(auth->login(ip, "wrong").error().code == Code::invalid_credentials);  // 6th failure: 2 s backoff
  for (int expected : {2, 4, 8, 16}) {
    INFO(expected);
    auto limited = auth->login(ip, "wrong");
    REQUIRE_FALSE(limited.ok());
    CHECK(limited.error().code == Code::rate_limited);
    CHECK(limited.error().retry_after == expected);
    fx.clock += 1;
    CHECK(auth->login(ip, "wrong").error().retry_after == expected - 1);
    fx.clock += expected - 1;
    CHECK(auth->login(ip, "wrong").error().code == Code::invalid_credentials);  // allowed again; fails again
  }
}

TEST_CASE("admin: a rate-limited IP is refused even with the right password") {
  Fixture fx;
  auto auth = fx.make_with_password();
  for (int i = 0; i < 6; ++i) (void)auth->login("198.51.100.7", "wrong");
  auto r = auth->login("198.51.100.7", kPassword);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::rate_limited);
  CHECK(auth->login("198.51.100.8", kPassword).ok());  // another IP is unaffected
  fx.clock += 2;
  CHECK(auth->login("198.51.100.7", kPassword).ok());
}

TEST_CASE("admin: a successful login resets that IP's failures") {
  Fixture fx;
  auto auth = fx.make_with_password();
  const std::string ip = "198.51.100.7";
  for (int i = 0; i < 5; ++i) (void)auth->login(ip, "wrong");
  REQUIRE(auth->login(ip, kPassword).ok());
  for (int i = 0; i < 6; ++i) CHECK(auth->login(ip, "wrong").error().code == Code::invalid_credentials);
  CHECK(auth->login(ip, "wrong").error().retry_after == 2);  // counting started over
}

TEST_CASE("admin: login backoff is capped at login_max_backoff_s") {
  Fixture fx;
  fx.opts.login_max_backoff_s = 10;
  auto auth = fx.make_with_password();
  const std::string ip = "198.51.100.7";
  for (int i = 0; i < 6; ++i) (void)auth->login(ip, "wrong");
  for (int expected : {2, 4, 8, 10, 10}) {
    auto r = auth->login(ip, "wrong");
    CHECK(r.error().retry_after == expected);
    fx.clock += r.error().retry_after;
    CHECK(auth->login(ip, "wrong").error().code == Code::invalid_credentials);
  }
}

TEST_CASE("admin: login failures are forgotten after login_window_s without failures") {
  Fixture fx;
  auto auth = fx.make_with_password();
  const std::string ip = "198.51.100.7";
  for (int i = 0; i < 5; ++i) (void)auth->login(ip, "wrong");
  fx.clock += fx.opts.login_window_s;
  for (int i = 0; i < 5; ++i) (void)auth->login(ip, "wrong");
  CHECK(auth->login(ip, "wrong").error().code == Code::invalid_credentials);  // only the 6th of the new streak
  CHECK(auth->login(ip, "wrong").error().retry_after == 2);
}

TEST_CASE("admin: login failures within the window keep counting") {
  Fixture fx;
  auto auth = fx.make_with_password();
  const std::string ip = "198.51.100.7";
  for (int i = 0; i < 5; ++i) (void)auth->login(ip, "wrong");
  fx.clock += fx.opts.login_window_s - 1;
  CHECK(auth->login(ip, "wrong").error().code == Code::invalid_credentials);
  CHECK(auth->login(ip, "wrong").error().code == Code::rate_limited);
}

TEST_CASE("admin: parallel logins from one IP cannot slip past the limit") {
  Fixture fx;
  auto auth = fx.make_with_password();
  std::vector<Code> status(20, Code::store_error);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < status.size(); ++i) {
    threads.emplace_back([&, i] { status[i] = auth->login("198.51.100.7", "wrong").error().code; });
  }
  for (auto& t : threads) t.join();
  CHECK(std::count(status.begin(), status.end(), Code::invalid_credentials) == 6);  // 5 free + the one that locks
  CHECK(std::count(status.begin(), status.end(), Code::rate_limited) == 14);
}

// --- sessions ---------------------------------------------------------------------------------

TEST_CASE("admin: session ids and CSRF tokens are distinct 32-byte base64url tokens") {
  Fixture fx;
  auto auth = fx.make_with_password();
  auto a = login_ok(*auth), b = login_ok(*auth);
  for (const auto& t : {a.id, a.csrf, b.id, b.csrf}) {
    CHECK(t.size() == 43);
    CHECK(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
  }
  CHECK(a.id != b.id);
  CHECK(a.csrf != b.csrf);
  CHECK(a.id != a.csrf);
}

TEST_CASE("admin: a session returns a copy and touches last_seen") {
  Fixture fx;
  auto auth = fx.make_with_password();
  auto s = login_ok(*auth);
  fx.clock += 100;
  auto got = auth->session(s.id);
  REQUIRE(got);
  CHECK(got->id == s.id);
  CHECK(got->csrf == s.csrf);
  CHECK(got->created_s == s.created_s);
  CHECK(got->last_seen_s == fx.clock);
  CHECK_FALSE(auth->session("not-a-session"));
  CHECK_FALSE(auth->session(""));
}

TEST_CASE("admin: a session expires after idle_timeout_s without use") {
  Fixture fx;
  auto auth = fx.make_with_password();
  auto s = login_ok(*auth);
  fx.clock += fx.opts.idle_timeout_s - 1;
  REQUIRE(auth->session(s.id));  // touched
  fx.clock += fx.opts.idle_timeout_s - 1;
  REQUIRE(auth->session(s.id));
  fx.clock += fx.opts.idle_timeout_s;
  CHECK_FALSE(auth->session(s.id));
  fx.clock -= 10;  // forgotten, not merely judged expired at this moment
  CHECK_FALSE(auth->session(s.id));
}

TEST_CASE("admin: a session expires at absolute_timeout_s even when in use") {
  Fixture fx;
  auto auth = fx.make_with_password();
  auto s = login_ok(*auth);
  const int64_t start = fx.clock;
  while (fx.clock + 600 < start + fx.opts.absolute_timeout_s) {
    fx.clock += 600;
    REQUIRE(auth->session(s.id));
  }
  fx.clock = start + fx.opts.absolute_timeout_s;
  CHECK_FALSE(auth->session(s.id));
}

TEST_CASE("admin: logout ends only that session") {
  Fixture fx;
  auto auth = fx.make_with_password();
  auto a = login_ok(*auth), b = login_ok(*auth);
  auth->logout(a.id);
  CHECK_FALSE(auth->session(a.id));
  CHECK(auth->session(b.id));
  auth->logout(a.id);   // twice is harmless
  auth->logout("");
  CHECK(auth->session(b.id));
}

TEST_CASE("admin: sessions beyond max_sessions evict the oldest") {
  Fixture fx;
  fx.opts.max_sessions = 3;
  auto auth = fx.make_with_password();  // setup made session #0
  auto a = login_ok(*auth), b = login_ok(*auth), c = login_ok(*auth);
  auto d = login_ok(*auth);
  CHECK_FALSE(auth->session(a.id));
  CHECK(auth->session(b.id));
  CHECK(auth->session(c.id));
  CHECK(auth->session(d.id));
}

TEST_CASE("admin: expired sessions are dropped before evicting live ones") {
  Fixture fx;
  fx.opts.max_sessions = 2;
  auto auth = fx.make();
  auto token = auth->issue_setup_token();
  REQUIRE(token);
  auto first = auth->setup(*token, kPassword);  // the oldest session
  REQUIRE(first.ok());
  fx.clock += 1;
  auto idle = login_ok(*auth);
  fx.clock += 1000;
  REQUIRE(auth->session(first->id));  // keeps the oldest alive
  fx.clock += 800;                    // `idle` is now past idle_timeout_s
  auto b = login_ok(*auth);
  CHECK(auth->session(first->id));
  CHECK(auth->session(b.id));
  CHECK_FALSE(auth->session(idle.id));
}

// --- change_password --------------------------------------------------------------------------

TEST_CASE("admin: change_password logs out other sessions and keeps the caller's") {
  Fixture fx;
  auto auth = fx.make_with_password();
  auto mine = login_ok(*auth), other = login_ok(*auth);
  REQUIRE(auth->change_password(kPassword, "a brand new password", mine.id).ok());
  CHECK(auth->session(mine.id));
  CHECK_FALSE(auth->session(other.id));
  CHECK_FALSE(auth->login("192.0.2.1", kPassword).ok());
  CHECK(auth->login("192.0.2.1", "a brand new password").ok());
}

TEST_CASE("admin: change_password without a session to keep logs out everyone") {
  Fixture fx;
  auto auth = fx.make_with_password();
  auto a = login_ok(*auth);
  REQUIRE(auth->change_password(kPassword, "a brand new password").ok());
  CHECK_FALSE(auth->session(a.id));
}

TEST_CASE("admin: change_password refuses a wrong current password and a weak new one") {
  Fixture fx;
  auto auth = fx.make_with_password();
  auto s = login_ok(*auth);
  auto wrong = auth->change_password("not it at all", "a brand new password");
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == Code::invalid_credentials);
  auto weak = auth->change_password(kPassword, "short");
  REQUIRE_FALSE(weak.ok());
  CHECK(weak.error().code == Code::weak_password);
  auto same_char = auth->change_password(kPassword, std::string(20, 'z'));
  REQUIRE_FALSE(same_char.ok());
  CHECK(same_char.error().code == Code::weak_password);
  CHECK(auth->session(s.id));  // nothing happened
  login_ok(*auth);
}

TEST_CASE("admin: change_password without a password set is refused") {
  Fixture fx;
  auto auth = fx.make();
  auto r = auth->change_password("", "a brand new password");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::admin_disabled);
  CHECK_FALSE(auth->password_set());
}

TEST_CASE("admin: a changed password persists across reopening the store") {
  Fixture fx;
  {
    auto auth = fx.make_with_password();
    REQUIRE(auth->change_password(kPassword, "a brand new password").ok());
  }
  fx.store.reset();
  fx.open_store();
  auto auth = fx.make();
  CHECK(auth->login("192.0.2.1", "a brand new password").ok());
  CHECK_FALSE(auth->login("192.0.2.1", kPassword).ok());
}

// --- HTTP Basic -------------------------------------------------------------------------------

TEST_CASE("admin: check_basic accepts admin:<password> with any scheme case") {
  Fixture fx;
  auto auth = fx.make_with_password();
  const std::string creds = wm::crypto::base64("admin:" + kPassword);
  CHECK(auth->check_basic("Basic " + creds));
  CHECK(auth->check_basic("basic " + creds));
  CHECK(auth->check_basic("BASIC " + creds));
  CHECK(auth->check_basic("bAsIc   " + creds + " "));
}

TEST_CASE("admin: check_basic allows colons in the password") {
  Fixture fx;
  auto auth = fx.make();
  auto token = auth->issue_setup_token();
  REQUIRE(token);
  REQUIRE(auth->setup(*token, "pass:word:with:colons").ok());
  CHECK(auth->check_basic(basic("admin:pass:word:with:colons")));
}

TEST_CASE("admin: check_basic refuses a wrong password or user") {
  Fixture fx;
  auto auth = fx.make_with_password();
  CHECK_FALSE(auth->check_basic(basic("admin:" + kPassword + "x")));
  CHECK_FALSE(auth->check_basic(basic("admin:")));
  CHECK_FALSE(auth->check_basic(basic("root:" + kPassword)));
  CHECK_FALSE(auth->check_basic(basic("Admin:" + kPassword)));
  CHECK_FALSE(auth->check_basic(basic(":" + kPassword)));
}

TEST_CASE("admin: check_basic refuses malformed headers") {
  Fixture fx;
  auto auth = fx.make_with_password();
  const std::string creds = wm::crypto::base64("admin:" + kPassword);
  for (const std::string& h :
       {std::string(), std::string("Basic"), std::string("Basic "), "Bearer " + creds,
        "Basic" + creds, "Basic !!" + creds, "Basic " + wm::crypto::base64("admin" + kPassword),
        "Digest " + creds, creds, "Basic " + creds + " " + creds}) {
    INFO(h);
    CHECK_FALSE(auth->check_basic(h));
  }
}

TEST_CASE("admin: check_basic caches a success for 60 seconds") {
  Fixture fx;
  auto auth = fx.make_with_password();
  const std::string header = basic("admin:" + kPassword);
  REQUIRE(auth->check_basic(header));
  // Replace the stored hash behind AdminAuth's back: only the cache can still say yes.
  REQUIRE(fx.store->update([&](wm::store::WriteTxn& txn) {
    return txn.put(fx.store->table("admin"), "password_hash",
                   wm::admin::hash_password("something else entirely", fx.opts.scrypt));
  }).ok());
  fx.clock += 59;
  CHECK(auth->check_basic(header));
  fx.clock += 1;
  CHECK_FALSE(auth->check_basic(header));
}

TEST_CASE("admin: check_basic cache is cleared by change_password") {
  Fixture fx;
  auto auth = fx.make_with_password();
  const std::string old_header = basic("admin:" + kPassword);
  REQUIRE(auth->check_basic(old_header));
  REQUIRE(auth->change_password(kPassword, "a brand new password").ok());
  CHECK_FALSE(auth->check_basic(old_header));
  CHECK(auth->check_basic(basic("admin:a brand new password")));
}

TEST_CASE("admin: check_basic keeps working after more distinct headers than its cache holds") {
  Fixture fx;
  auto auth = fx.make_with_password();
  // Many distinct headers that all decode to the right credentials (padding and spacing vary).
  const std::string creds = wm::crypto::base64("admin:" + kPassword);
  for (int i = 0; i < 100; ++i) {
    std::string h = "Basic " + std::string(static_cast<size_t>(i % 10 + 1), ' ') + creds +
                    std::string(static_cast<size_t>(i / 10), ' ');
    CHECK(auth->check_basic(h));
  }
  CHECK(auth->check_basic(basic("admin:" + kPassword)));
  CHECK_FALSE(auth->check_basic(basic("admin:wrong")));
}

// --- CSRF -------------------------------------------------------------------------------------

TEST_CASE("admin: csrf_ok accepts only the session's token") {
  Fixture fx;
  auto auth = fx.make_with_password();
  auto a = login_ok(*auth), b = login_ok(*auth);
  CHECK(AdminAuth::csrf_ok(a, a.csrf));
  CHECK_FALSE(AdminAuth::csrf_ok(a, b.csrf));
  CHECK_FALSE(AdminAuth::csrf_ok(a, ""));
  CHECK_FALSE(AdminAuth::csrf_ok(a, a.csrf + "x"));
  CHECK_FALSE(AdminAuth::csrf_ok(a, a.csrf.substr(1)));
  Session empty;
  CHECK_FALSE(AdminAuth::csrf_ok(empty, ""));
}
