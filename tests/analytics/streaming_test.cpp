// Streaming support ("pay while you watch") in analytics: confirmed increments, kept apart from
// tips in the summary, merged into the public leaderboard under the same privacy rules.
#include "analytics/streaming.h"

#include "analytics/leaderboard.h"
#include "analytics/summary.h"
#include "helpers.h"

using json = nlohmann::json;
using namespace wm;
using namespace wm::analytics;
using namespace wm::analytics::testing;

namespace {

// A session's confirmed total at a time (Tip builds the SupportEvent; tip_id = the support id).
void total(Db& db, const Tip& t) {
  auto st = record_streaming(*db.store, event(t));
  INFO((st ? std::string() : st.error().code + ": " + st.error().message));
  REQUIRE(st.ok());
}

}  // namespace

TEST_CASE("analytics: streaming support records confirmed increments once, per asset, apart from tips") {
  Db db;
  const auto a = db.hash("https://wallet.example/alice"), b = db.hash("https://wallet.example/bob");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("tip1").value("500").at(now - 10 * kSecond).by(a).name("Alice"));
  total(db, Tip("s1").value("10").at(now - 9 * kSecond).by(a).name("Alice"));
  total(db, Tip("s1").value("25").at(now - 8 * kSecond).by(a).name("Alice"));
  total(db, Tip("s1").value("25").at(now - 7 * kSecond).by(a).name("Alice"));  // nothing new (a replay)
  total(db, Tip("s1").value("20").at(now - 6 * kSecond).by(a).name("Alice"));  // older total: ignored
  total(db, Tip("s2").value("7").code("USD").at(now - 5 * kSecond).by(b).anonymous(true));
  auto s = summary(*db.store, "", "last_24h", now);
  REQUIRE(s.ok());
  // The tip fields are unchanged by streaming support.
  CHECK((*s)["tipCount"] == 1);
  REQUIRE((*s)["totals"].size() == 1);
  CHECK((*s)["totals"][0]["value"] == "500");
  const json& sup = (*s)["support"];
  REQUIRE(sup["totals"].size() == 2);  // never summed across currencies
  CHECK(sup["totals"][0]["assetCode"] == "EUR");
  CHECK(sup["totals"][0]["value"] == "25");
  CHECK(sup["totals"][0]["count"] == 2);
  CHECK(sup["totals"][1]["assetCode"] == "USD");
  CHECK(sup["totals"][1]["value"] == "7");
  CHECK(sup["sessions"] == 2);
  CHECK(sup["uniqueSupporters"] == 2);
  CHECK(sup["buckets"].size() == 25);
  CHECK(sup["topSupporters"][0]["name"] == "Alice");
}

TEST_CASE("analytics: leaderboard counts streaming support under the same privacy rules") {
  Db db;
  const auto a = db.hash("https://wallet.example/alice"), b = db.hash("https://wallet.example/bob");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("tip1").value("500").at(now - 10 * kSecond).by(a).name("Nova").session("live1"));
  total(db, Tip("s1").value("120").at(now - 9 * kSecond).by(a).name("nova").session("live1"));
  total(db, Tip("s2").value("300").at(now - 8 * kSecond).by(b).name("SecretBob").anonymous(true).session("live1"));
  for (const char* period : {"stream", "all"}) {
    INFO(period);
    auto l = leaderboard(*db.store, period, now, "live1");
    REQUIRE(l.ok());
    const json& rows = (*l)["assets"][0]["supporters"];
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["name"] == "Nova");  // one row per name, case-insensitively: tip + streaming
    CHECK(rows[0]["value"] == "620");
    CHECK(rows[0]["count"] == 1);       // tips only
    CHECK(rows[0]["streamed"]["value"] == "120");
    CHECK(rows[1]["name"] == "Anonymous");
    CHECK(rows[1]["anonymous"] == true);
    CHECK(rows[1]["count"] == 0);
    CHECK(l->dump().find("SecretBob") == std::string::npos);
    CHECK(l->dump().find(b) == std::string::npos);
  }
}
