// Support events: recording, sender hashing, completed-tip catch-up, hidden flag.
#include "analytics/support.h"

#include "analytics/summary.h"
#include "helpers.h"
#include "tips/tip_service.h"

using json = nlohmann::json;
using namespace wm;
using namespace wm::analytics;
using namespace wm::analytics::testing;

namespace {

size_t count_prefix(const store::Store& s, std::string_view prefix) {
  size_t n = 0;
  auto t = s.table("support");
  auto txn = s.begin_read();
  txn.scan_prefix(t, prefix, false, [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  return n;
}

std::string all_values(const store::Store& s, const char* table) {
  std::string out;
  auto t = s.table(table);
  auto txn = s.begin_read();
  txn.scan_prefix(t, "", false, [&](std::string_view k, std::string_view v) {
    out.append(k).append("=").append(v).append("\n");
    return true;
  });
  return out;
}

void put_tip(store::Store& s, const tips::TipRecord& r) {
  auto t = s.table("tips");
  auto st = s.update([&](store::WriteTxn& txn) { return txn.put(t, "t/" + r.id, tips::to_storage(r).dump()); });
  REQUIRE(st.ok());
}

tips::TipRecord tip_record(const std::string& id, const std::string& status, const std::string& wallet) {
  tips::TipRecord r;
  r.id = id;
  r.status = tips::parse_tip_status(status).value();
  r.stream_id = "default";
  r.sender_wallet = wallet;
  r.display_name = "Alice";
  r.message = "great stream";
  r.amount = openpayments::Amount{500, "EUR", 2};
  r.created_ns = at("2026-03-10T12:00:00Z");
  r.updated_ns = at("2026-03-10T12:00:07Z");
  return r;
}

}  // namespace

TEST_CASE("analytics: recording the same tip twice changes nothing") {
  Db db;
  const auto h = db.hash("https://wallet.example/alice");
  const int64_t t0 = at("2026-03-10T12:00:00Z");
  record(db, Tip("tip1").value("500").at(t0).by(h));
  // Same tip again, even with different content (a retried callback): still ok, still one event.
  record(db, Tip("tip1").value("999").at(t0 + kSecond).by(h));
  CHECK(count_prefix(*db.store, "e/") == 1);
  CHECK(count_prefix(*db.store, "tip/") == 1);
  auto s = summary(*db.store, "", "all_time", t0 + kHour);
  REQUIRE(s.ok());
  CHECK((*s)["tipCount"] == 1);
  CHECK((*s)["totals"][0]["value"] == "500");
}

TEST_CASE("analytics: two tips at the same nanosecond are both kept") {
  Db db;
  const auto h = db.hash("https://wallet.example/alice");
  const int64_t t0 = at("2026-03-10T12:00:00Z");
  record(db, Tip("a").value("100").at(t0).by(h));
  record(db, Tip("b").value("200").at(t0).by(h));
  CHECK(count_prefix(*db.store, "e/") == 2);
  auto s = summary(*db.store, "", "all_time", t0);
  REQUIRE(s.ok());
  CHECK((*s)["tipCount"] == 2);
  CHECK((*s)["totals"][0]["value"] == "300");
}

TEST_CASE("analytics: sender hash is stable per install and differs across installs") {
  test::TempDir dir_a, dir_b;
  const std::string wallet = "https://wallet.example/alice";
  std::string first, again, other_wallet, other_install;
  {
    auto a = Db::open(dir_a.path());
    auto h1 = hash_sender(*a, wallet), h2 = hash_sender(*a, wallet), h3 = hash_sender(*a, wallet + "2");
    REQUIRE((h1 && h2 && h3));
    first = *h1;
    CHECK(*h2 == first);
    other_wallet = *h3;
  }
  {
    auto a = Db::open(dir_a.path());  // reopened: the salt persisted
    auto h = hash_sender(*a, wallet);
    REQUIRE(h);
    again = *h;
  }
  {
    auto b = Db::open(dir_b.path());
    auto h = hash_sender(*b, wallet);
    REQUIRE(h);
    other_install = *h;
  }
  CHECK(first.size() == 64);
  CHECK(first.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(again == first);
  CHECK(other_wallet != first);
  CHECK(other_install != first);
}

TEST_CASE("analytics: an empty wallet address cannot be hashed") {
  Db db;
  auto h = hash_sender(*db.store, "");
  REQUIRE_FALSE(h);
  CHECK(h.error().code == "invalid_wallet_address");
}

TEST_CASE("analytics: events must carry a sender hash, never an address") {
  Db db;
  auto ev = event(Tip("tip1").at(at("2026-03-10T12:00:00Z")).by("https://wallet.example/alice"));
  auto st = record_support(*db.store, ev);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == "invalid_event");
  CHECK(count_prefix(*db.store, "") == 0);
}

TEST_CASE("analytics: events with an invalid amount, empty tip id or negative time are refused") {
  Db db;
  const auto h = db.hash("https://wallet.example/alice");
  const int64_t t0 = at("2026-03-10T12:00:00Z");
  for (const Tip& bad : {Tip("").at(t0).by(h),
                         Tip("x").code("eur").at(t0).by(h),
                         Tip("x").at(-1).by(h)}) {
    auto st = record_support(*db.store, event(bad));
    REQUIRE_FALSE(st);
    CHECK(st.error().code == "invalid_event");
  }
  CHECK(count_prefix(*db.store, "e/") == 0);
}

TEST_CASE("analytics: completed tips become events once, without the wallet address") {
  Db db;
  const std::string wallet = "https://wallet.example/alice";
  put_tip(*db.store, tip_record("done1", "completed", wallet));
  put_tip(*db.store, tip_record("done2", "completed", wallet));
  put_tip(*db.store, tip_record("failed1", "failed", wallet));
  put_tip(*db.store, tip_record("waiting1", "awaiting_consent", wallet));

  // One was already recorded live (with its stream session).
  auto live = event_from_tip(*db.store, tip_record("done1", "completed", wallet), "session-1");
  REQUIRE(live);
  CHECK(live->at_ns == at("2026-03-10T12:00:07Z"));
  CHECK(live->sender_hash == db.hash(wallet));
  REQUIRE(record_support(*db.store, *live).ok());

  auto added = record_completed_tips(*db.store);
  REQUIRE(added);
  CHECK(*added == 1);
  auto again = record_completed_tips(*db.store);
  REQUIRE(again);
  CHECK(*again == 0);

  CHECK(count_prefix(*db.store, "e/") == 2);
  CHECK(all_values(*db.store, "support").find("wallet.example") == std::string::npos);
  auto not_done = event_from_tip(*db.store, tip_record("failed1", "failed", wallet), "");
  REQUIRE_FALSE(not_done);
  CHECK(not_done.error().code == "not_completed");
}

TEST_CASE("analytics: the hidden flag is set and cleared per tip") {
  Db db;
  CHECK_FALSE(is_hidden(*db.store, "tip1"));
  REQUIRE(set_hidden(*db.store, "tip1", true).ok());
  CHECK(is_hidden(*db.store, "tip1"));
  CHECK_FALSE(is_hidden(*db.store, "tip2"));
  REQUIRE(set_hidden(*db.store, "tip1", true).ok());  // again: still hidden
  CHECK(is_hidden(*db.store, "tip1"));
  REQUIRE(set_hidden(*db.store, "tip1", false).ok());
  CHECK_FALSE(is_hidden(*db.store, "tip1"));
  REQUIRE(set_hidden(*db.store, "tip1", false).ok());  // clearing twice is fine
  CHECK_FALSE(is_hidden(*db.store, "tip1"));
  auto bad = set_hidden(*db.store, "", true);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "invalid_tip_id");
}

TEST_CASE("analytics: cancelled and expired tips never become events") {
  Db db;
  const std::string wallet = "https://wallet.example/alice";
  put_tip(*db.store, tip_record("gone1", "cancelled", wallet));
  put_tip(*db.store, tip_record("gone2", "expired", wallet));
  put_tip(*db.store, tip_record("paid", "completed", wallet));
  auto added = record_completed_tips(*db.store);
  REQUIRE(added);
  CHECK(*added == 1);
  CHECK(count_prefix(*db.store, "e/") == 1);
  for (const char* status : {"cancelled", "expired"}) {
    auto ev = event_from_tip(*db.store, tip_record("x", status, wallet), "");
    REQUIRE_FALSE(ev);
    CHECK(ev.error().code == "not_completed");
  }
}
