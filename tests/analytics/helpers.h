// Shared by the analytics tests: a real store in a temp dir and event builders.
#pragma once
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "analytics/support.h"
#include "core/timeutil.h"
#include "store/store.h"
#include "support/test_support.h"

namespace wm::analytics::testing {

struct Db {
  test::TempDir dir;
  std::unique_ptr<store::Store> store = open(dir.path());

  static std::unique_ptr<store::Store> open(const std::string& path) {
    store::Options opts;
    opts.dir = path;
    auto r = store::Store::open(opts);
    INFO((r ? std::string() : r.error().code + ": " + r.error().message));
    REQUIRE(r.ok());
    return std::move(r).value();
  }

  std::string hash(const std::string& wallet) {
    auto h = hash_sender(*store, wallet);
    REQUIRE(h.ok());
    return *h;
  }
};

inline int64_t at(const char* rfc3339) {
  auto p = timeutil::parse_rfc3339(rfc3339);
  REQUIRE(p);
  return p->unix_ns;
}

constexpr int64_t kSecond = 1000000000LL;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;

// A support event with test defaults (1.00 EUR/2 on stream "default"), set fluently:
//   Tip("t1").value("500").at(now).by(hash).name("Alice")
struct Tip {
  SupportEvent ev;
  explicit Tip(std::string id) {
    ev.tip_id = std::move(id);
    ev.stream_id = "default";
    ev.amount = openpayments::Amount{100, "EUR", 2};
  }
  Tip& value(const std::string& v) { ev.amount.units = std::stoull(v); return *this; }
  Tip& code(std::string c) { ev.amount.asset_code = std::move(c); return *this; }
  Tip& scale(uint8_t s) { ev.amount.asset_scale = s; return *this; }
  Tip& at(int64_t ns) { ev.at_ns = ns; return *this; }
  Tip& by(std::string sender_hash) { ev.sender_hash = std::move(sender_hash); return *this; }
  Tip& name(std::string n) { ev.display_name = std::move(n); return *this; }
  Tip& anonymous(bool a) { ev.anonymous = a; return *this; }
  Tip& session(std::string s) { ev.stream_session = std::move(s); return *this; }
  Tip& stream(std::string id) { ev.stream_id = std::move(id); return *this; }
  Tip& message(std::string m) { ev.message = std::move(m); return *this; }
};

inline SupportEvent event(const Tip& t) { return t.ev; }

inline void record(Db& db, const Tip& t) {
  auto st = record_support(*db.store, event(t));
  INFO((st ? std::string() : st.error().code + ": " + st.error().message));
  REQUIRE(st.ok());
}

}  // namespace wm::analytics::testing
