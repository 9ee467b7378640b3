// Dashboard summary: per-asset totals, windows, buckets, unique supporters, top supporters.
#include "analytics/summary.h"

#include "helpers.h"

using json = nlohmann::json;
using namespace wm;
using namespace wm::analytics;
using namespace wm::analytics::testing;

namespace {

json run(Db& db, std::string_view timeframe, int64_t now, std::string_view stream_id = "") {
  auto s = summary(*db.store, stream_id, timeframe, now);
  INFO((s ? std::string() : s.error().code + ": " + s.error().message));
  REQUIRE(s.ok());
  return *s;
}

// The entry for code/scale in a totals array (null when absent).
json find_asset(const json& totals, const std::string& code, int scale) {
  for (const auto& t : totals)
    if (t["assetCode"] == code && t["assetScale"] == scale) return t;
  return nullptr;
}

}  // namespace

TEST_CASE("analytics: totals are kept per asset and never mixed") {
  Db db;
  const auto a = db.hash("https://wallet.example/a"), b = db.hash("https://wallet.example/b");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("500").code("EUR").scale(2).at(now - kHour).by(a));
  record(db, Tip("2").value("250").code("EUR").scale(2).at(now - 2 * kHour).by(b));
  record(db, Tip("3").value("1000").code("USD").scale(2).at(now - kHour).by(a));
  record(db, Tip("4").value("1500000000").code("XRP").scale(9).at(now - kHour).by(b));
  // Same code, different scale: a different asset too.
  record(db, Tip("5").value("7").code("EUR").scale(0).at(now - kHour).by(b));

  json s = run(db, "last_24h", now);
  CHECK(s["tipCount"] == 5);
  REQUIRE(s["totals"].size() == 4);
  // Sorted by code then scale.
  CHECK(s["totals"][0]["assetCode"] == "EUR");
  CHECK(s["totals"][0]["assetScale"] == 0);
  CHECK(s["totals"][1]["assetScale"] == 2);
  CHECK(s["totals"][2]["assetCode"] == "USD");
  CHECK(s["totals"][3]["assetCode"] == "XRP");

  json eur = find_asset(s["totals"], "EUR", 2);
  CHECK(eur["value"] == "750");
  CHECK(eur["display"] == "7.50 EUR");
  CHECK(eur["count"] == 2);
  CHECK(eur["average"]["value"] == "375");
  CHECK(eur["average"]["display"] == "3.75 EUR");
  CHECK(find_asset(s["totals"], "EUR", 0)["display"] == "7 EUR");
  CHECK(find_asset(s["totals"], "USD", 2)["value"] == "1000");
  json xrp = find_asset(s["totals"], "XRP", 9);
  CHECK(xrp["value"] == "1500000000");
  CHECK(xrp["display"] == "1.500000000 XRP");
  CHECK_FALSE(xrp.contains("overflow"));
}

TEST_CASE("analytics: sums past 2^64-1 saturate with an overflow flag instead of wrapping") {
  Db db;
  const auto a = db.hash("https://wallet.example/a");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("big").value("18446744073709551605").at(now - kHour).by(a));  // max - 10
  record(db, Tip("small").value("100").at(now - kHour).by(a));
  json s = run(db, "last_24h", now);
  json eur = s["totals"][0];
  CHECK(eur["value"] == "18446744073709551615");
  CHECK(eur["overflow"] == true);
  CHECK(eur["count"] == 2);
  // The average is exact: (2^64 - 11 + 100) / 2 = 2^63 + 44.5, rounded half up.
  CHECK(eur["average"]["value"] == "9223372036854775853");
  CHECK_FALSE(eur["average"].contains("overflow"));
  // Same in the bucket and the top-supporter row.
  bool bucket_flagged = false;
  for (const auto& b : s["buckets"])
    for (const auto& t : b["totals"]) bucket_flagged = bucket_flagged || t.value("overflow", false);
  CHECK(bucket_flagged);
  CHECK(s["topSupporters"][0]["overflow"] == true);
}

TEST_CASE("analytics: a single tip of exactly 2^64-1 is not an overflow") {
  Db db;
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("max").value("18446744073709551615").at(now).by(db.hash("w")));
  json eur = run(db, "all_time", now)["totals"][0];
  CHECK(eur["value"] == "18446744073709551615");
  CHECK_FALSE(eur.contains("overflow"));
}

TEST_CASE("analytics: the average is rounded half up to a whole minor unit") {
  Db db;
  const auto a = db.hash("https://wallet.example/a");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("1").code("EUR").at(now).by(a));
  record(db, Tip("2").value("2").code("EUR").at(now).by(a));  // 1.5 -> 2
  record(db, Tip("3").value("1").code("USD").at(now).by(a));
  record(db, Tip("4").value("1").code("USD").at(now).by(a));
  record(db, Tip("5").value("2").code("USD").at(now).by(a));  // 1.33 -> 1
  json s = run(db, "all_time", now);
  CHECK(find_asset(s["totals"], "EUR", 2)["average"]["value"] == "2");
  CHECK(find_asset(s["totals"], "EUR", 2)["average"]["display"] == "0.02 EUR");
  CHECK(find_asset(s["totals"], "USD", 2)["average"]["value"] == "1");
}

TEST_CASE("analytics: timeframe windows run from now minus the span up to now, both inclusive") {
  Db db;
  const auto a = db.hash("https://wallet.example/a");
  const int64_t now = at("2026-03-10T12:30:00Z");
  struct Case {
    const char* timeframe;
    int64_t span;
  };
  int n = 0;
  for (Case c : {Case{"last_24h", kDay}, Case{"last_7d", 7 * kDay}, Case{"last_30d", 30 * kDay}}) {
    // Fresh ids per timeframe; earlier cases' events lie inside every later (longer) window.
    auto id = [&](const char* what) { return std::string(c.timeframe) + what; };
    record(db, Tip(id("edge")).value("1").at(now - c.span).by(a));
    record(db, Tip(id("before")).value("1000000").at(now - c.span - 1).by(a));
    record(db, Tip(id("now")).value("1").at(now).by(a));
    record(db, Tip(id("future")).value("1000000").at(now + 1).by(a));
    json s = run(db, c.timeframe, now);
    INFO(c.timeframe);
    CHECK(s["from"] == timeutil::format_rfc3339(now - c.span));
    CHECK(s["to"] == "2026-03-10T12:30:00Z");
    // This case's edge and now; plus edge, before and now of every shorter window.
    const int expected = 2 + 3 * n;
    CHECK(s["tipCount"] == expected);
    // Each shorter window added one "before" tip of 1000000; all others are 1.
    CHECK(s["totals"][0]["value"] == std::to_string(expected - n + 1000000 * n));
    ++n;
  }
  json all = run(db, "all_time", now);
  CHECK(all["from"].is_null());
  CHECK(all["tipCount"] == 9);  // everything except the three future tips
}

TEST_CASE("analytics: last_24h has 25 hourly UTC buckets, empty ones included") {
  Db db;
  const auto a = db.hash("https://wallet.example/a");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("1").at(at("2026-03-09T13:59:59.999999999Z")).by(a));
  record(db, Tip("2").value("10").at(at("2026-03-09T14:00:00Z")).by(a));
  record(db, Tip("3").value("100").at(at("2026-03-10T12:29:00Z")).by(a));
  record(db, Tip("4").value("1000").at(at("2026-03-09T12:30:00Z")).by(a));  // == from
  json b = run(db, "last_24h", now)["buckets"];
  REQUIRE(b.size() == 25);
  CHECK(b[0]["start"] == "2026-03-09T12:00:00Z");
  CHECK(b[1]["start"] == "2026-03-09T13:00:00Z");
  CHECK(b[24]["start"] == "2026-03-10T12:00:00Z");
  CHECK(b[0]["totals"][0]["value"] == "1000");
  CHECK(b[1]["totals"][0]["value"] == "1");
  CHECK(b[2]["totals"][0]["value"] == "10");
  CHECK(b[2]["totals"][0]["count"] == 1);
  CHECK(b[24]["totals"][0]["value"] == "100");
  CHECK(b[3]["totals"].is_array());
  CHECK(b[3]["totals"].empty());
  CHECK(b[3]["start"] == "2026-03-09T15:00:00Z");
}

TEST_CASE("analytics: last_7d and last_30d have daily UTC buckets, 8 and 31 of them") {
  Db db;
  const auto a = db.hash("https://wallet.example/a");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("1").at(at("2026-03-08T23:59:59.999999999Z")).by(a));
  record(db, Tip("2").value("10").at(at("2026-03-09T00:00:00Z")).by(a));
  json week = run(db, "last_7d", now)["buckets"];
  REQUIRE(week.size() == 8);
  CHECK(week[0]["start"] == "2026-03-03T00:00:00Z");
  CHECK(week[7]["start"] == "2026-03-10T00:00:00Z");
  CHECK(week[5]["start"] == "2026-03-08T00:00:00Z");
  CHECK(week[5]["totals"][0]["value"] == "1");
  CHECK(week[6]["totals"][0]["value"] == "10");
  CHECK(week[7]["totals"].empty());
  json month = run(db, "last_30d", now)["buckets"];
  REQUIRE(month.size() == 31);
  CHECK(month[0]["start"] == "2026-02-08T00:00:00Z");
  CHECK(month[30]["start"] == "2026-03-10T00:00:00Z");
}

TEST_CASE("analytics: all_time lists only the UTC days that had tips") {
  Db db;
  const auto a = db.hash("https://wallet.example/a");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("1").at(at("2024-01-01T05:00:00Z")).by(a));
  record(db, Tip("2").value("2").at(at("2024-01-01T23:00:00Z")).by(a));
  record(db, Tip("3").value("4").code("USD").at(at("2025-06-30T00:00:00Z")).by(a));
  record(db, Tip("4").value("8").at(at("2026-03-10T00:00:01Z")).by(a));
  json s = run(db, "all_time", now);
  json b = s["buckets"];
  REQUIRE(b.size() == 3);
  CHECK(b[0]["start"] == "2024-01-01T00:00:00Z");
  CHECK(b[0]["totals"][0]["value"] == "3");
  CHECK(b[0]["totals"][0]["count"] == 2);
  CHECK(b[1]["start"] == "2025-06-30T00:00:00Z");
  CHECK(b[1]["totals"][0]["assetCode"] == "USD");
  CHECK(b[2]["start"] == "2026-03-10T00:00:00Z");
  CHECK(s["totals"].size() == 2);
}

TEST_CASE("analytics: an unknown timeframe is an error") {
  Db db;
  for (const char* tf : {"", "last_1h", "LAST_24H", "all"}) {
    auto s = summary(*db.store, "", tf, at("2026-03-10T12:30:00Z"));
    REQUIRE_FALSE(s);
    CHECK(s.error().code == "invalid_timeframe");
  }
}

TEST_CASE("analytics: unique supporters count distinct senders") {
  Db db;
  const auto a = db.hash("https://wallet.example/a"), b = db.hash("https://wallet.example/b");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").at(now).by(a).name("Alice"));
  record(db, Tip("2").at(now).by(a).name("Alice"));
  record(db, Tip("3").code("USD").at(now).by(a).anonymous(true));
  record(db, Tip("4").at(now).by(b));
  json s = run(db, "all_time", now);
  CHECK(s["tipCount"] == 4);
  CHECK(s["uniqueSupporters"] == 2);
}

TEST_CASE("analytics: a streamId restricts the summary to that widget") {
  Db db;
  const auto a = db.hash("https://wallet.example/a");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("1").at(now).by(a).stream("default"));
  record(db, Tip("2").value("20").at(now).by(a).stream("second"));
  json def = run(db, "all_time", now, "default");
  CHECK(def["streamId"] == "default");
  CHECK(def["tipCount"] == 1);
  CHECK(def["totals"][0]["value"] == "1");
  CHECK(run(db, "all_time", now, "second")["totals"][0]["value"] == "20");
  CHECK(run(db, "all_time", now, "")["totals"][0]["value"] == "21");
  CHECK(run(db, "all_time", now, "nope")["tipCount"] == 0);
}

TEST_CASE("analytics: topSupporters are per asset, named like the leaderboard, without hashes") {
  Db db;
  const std::string wallet_a = "https://wallet.example/alice", wallet_b = "https://wallet.example/bob";
  const auto a = db.hash(wallet_a), b = db.hash(wallet_b);
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("500").at(now - 3).by(a).name("Alice"));
  record(db, Tip("2").value("900").at(now - 2).by(a).name("SecretAlice").anonymous(true));
  record(db, Tip("3").value("300").at(now - 1).by(b));
  record(db, Tip("4").value("50").code("USD").at(now).by(b).name("Bob"));
  json s = run(db, "all_time", now);
  json top = s["topSupporters"];
  REQUIRE(top.size() == 4);
  CHECK(top[0] == json{{"name", "Anonymous"}, {"anonymous", true}, {"assetCode", "EUR"}, {"assetScale", 2},
                       {"value", "900"}, {"display", "9.00 EUR"}, {"count", 1}, {"names", json::array()}});
  CHECK(top[1]["name"] == "Alice");
  CHECK(top[1]["names"] == json{"Alice"});
  CHECK(top[1]["value"] == "500");
  CHECK(top[2]["name"] == "Bob");  // latest non-empty name, even from another asset
  CHECK(top[2]["assetCode"] == "EUR");
  CHECK(top[3]["assetCode"] == "USD");
  const std::string text = s.dump();
  CHECK(text.find(a) == std::string::npos);
  CHECK(text.find(b) == std::string::npos);
  CHECK(text.find("wallet.example") == std::string::npos);
  CHECK(text.find("SecretAlice") == std::string::npos);
}

TEST_CASE("analytics: topSupporters (admin) group by wallet and list every name the sender used") {
  Db db;
  const auto a = db.hash("https://wallet.example/a"), b = db.hash("https://wallet.example/b");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("100").at(now - 40).by(a).name("Nova"));
  record(db, Tip("2").value("200").at(now - 30).by(a).name("DoubleClicker"));
  record(db, Tip("3").value("300").at(now - 20).by(a).name("NOVA"));
  record(db, Tip("4").value("50").at(now - 15).by(a).name("Whisper").anonymous(true));
  record(db, Tip("5").value("70").at(now - 10).by(b).name("Nova"));
  json top = run(db, "all_time", now)["topSupporters"];
  REQUIRE(top.size() == 3);
  CHECK(top[0]["value"] == "600");
  CHECK(top[0]["count"] == 3);
  CHECK(top[0]["name"] == "NOVA");  // the latest name
  CHECK(top[0]["names"] == json{"Nova", "DoubleClicker"});
  CHECK(top[1]["name"] == "Nova");  // another wallet with the same name stays its own row
  CHECK(top[1]["value"] == "70");
  CHECK(top[2]["name"] == "Anonymous");
  CHECK(top[2]["names"] == json::array());
  CHECK(top.dump().find("Whisper") == std::string::npos);
}
