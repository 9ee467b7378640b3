// Public leaderboard: periods, per-asset ranking and the anonymity rules.
#include "analytics/leaderboard.h"

#include "analytics/events.h"
#include "helpers.h"

using json = nlohmann::json;
using namespace wm;
using namespace wm::analytics;
using namespace wm::analytics::testing;

namespace {

json board(Db& db, std::string_view period, int64_t now, std::string_view session = "", size_t limit = 10) {
  auto l = leaderboard(*db.store, period, now, session, limit);
  INFO((l ? std::string() : l.error().code + ": " + l.error().message));
  REQUIRE(l.ok());
  return *l;
}

// "name=value" per supporter of the first asset, in order.
std::vector<std::string> rows(const json& asset) {
  std::vector<std::string> out;
  for (const auto& s : asset["supporters"])
    out.push_back(s["name"].get<std::string>() + "=" + s["value"].get<std::string>());
  return out;
}

using Rows = std::vector<std::string>;

}  // namespace

TEST_CASE("analytics: leaderboard folds anonymous tips into one Anonymous row and reveals nothing") {
  Db db;
  const std::string wallet_a = "https://wallet.example/alice", wallet_b = "https://wallet.example/bob";
  const auto a = db.hash(wallet_a), b = db.hash(wallet_b);
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("500").at(now - 4).by(a).name("Alice"));
  // Alice again, anonymously, typing a name: neither joins her named row nor shows the name.
  record(db, Tip("2").value("700").at(now - 3).by(a).name("HiddenAlice").anonymous(true).message("psst"));
  record(db, Tip("3").value("300").at(now - 2).by(b).anonymous(true));
  json l = board(db, "all", now);
  CHECK(l["period"] == "all");
  REQUIRE(l["assets"].size() == 1);
  CHECK(rows(l["assets"][0]) == Rows{"Anonymous=1000", "Alice=500"});
  CHECK(l["assets"][0]["supporters"][0]["count"] == 2);
  CHECK(l["assets"][0]["supporters"][0]["anonymous"] == true);
  CHECK(l["assets"][0]["supporters"][1]["count"] == 1);
  CHECK(l["assets"][0]["supporters"][1]["anonymous"] == false);
  const std::string text = l.dump();
  for (const std::string& secret : {a, b, wallet_a, wallet_b, std::string("HiddenAlice"), std::string("psst")}) {
    INFO(secret);
    CHECK(text.find(secret) == std::string::npos);
  }
}

TEST_CASE("analytics: leaderboard never links one viewer's names: rows are per name as typed") {
  Db db;
  const auto a = db.hash("https://wallet.example/a"), b = db.hash("https://wallet.example/b");
  const int64_t now = at("2026-03-10T12:30:00Z");
  // One wallet, two pseudonyms: two public rows, each keeping the name its tips were sent with.
  record(db, Tip("1").value("100").at(now - 30).by(a).name("Nova"));
  record(db, Tip("2").value("250").at(now - 20).by(a).name("DoubleClicker"));
  // Another wallet typing the same name in other case: the same public row (a name, not a person).
  record(db, Tip("3").value("40").at(now - 10).by(b).name(" nova "));
  record(db, Tip("4").value("5").at(now - 5).by(a).name("NOVA"));
  json l = board(db, "all", now);
  CHECK(rows(l["assets"][0]) == Rows{"DoubleClicker=250", "Nova=145"});
  CHECK(l["assets"][0]["supporters"][1]["count"] == 3);
  CHECK(l["assets"][0]["supporters"][0]["count"] == 1);
}

TEST_CASE("analytics: leaderboard groups tips without a name into one Someone row, not per wallet") {
  Db db;
  const auto a = db.hash("https://wallet.example/a"), b = db.hash("https://wallet.example/b");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("100").at(now - 30).by(a).name("Al"));
  record(db, Tip("2").value("100").at(now - 20).by(a).name("Alice"));
  record(db, Tip("3").value("100").at(now - 10).by(a).name(""));
  record(db, Tip("4").value("50").at(now - 5).by(b));
  json l = board(db, "all", now);
  CHECK(rows(l["assets"][0]) == Rows{"Someone=150", "Al=100", "Alice=100"});
  CHECK(l["assets"][0]["supporters"][0]["count"] == 2);
}

TEST_CASE("analytics: fold_name folds case of ASCII, Latin, Greek and Cyrillic letters and trims") {
  using detail::fold_name;
  CHECK(fold_name("  Nova\t") == "nova");
  CHECK(fold_name("\xC3\x89LODIE") == "\xC3\xA9lodie");            // Élodie
  CHECK(fold_name("\xC5\x81ukasz") == "\xC5\x82ukasz");            // Łukasz
  CHECK(fold_name("\xCE\xA3\xCE\xA9") == "\xCF\x83\xCF\x89");  // ΣΩ
  CHECK(fold_name("\xD0\x9D\xD0\x9E\xD0\x92\xD0\x90") == "\xD0\xBD\xD0\xBE\xD0\xB2\xD0\xB0");  // НОВА
  CHECK(fold_name("\xF0\x9F\x8E\x89 Party") == "\xF0\x9F\x8E\x89 party");  // emoji kept
  CHECK(fold_name("\xC3") == "\xC3");  // a stray byte is compared as typed
}

TEST_CASE("analytics: leaderboard keeps one list per asset and never sums across assets") {
  Db db;
  const auto a = db.hash("https://wallet.example/a"), b = db.hash("https://wallet.example/b");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("100").code("USD").at(now).by(a).name("A"));
  record(db, Tip("2").value("900").code("EUR").at(now).by(b).name("B"));
  record(db, Tip("3").value("200").code("EUR").at(now).by(a).name("A"));
  record(db, Tip("4").value("5000000000").code("XRP").scale(9).at(now).by(a).name("A"));
  json l = board(db, "all", now);
  REQUIRE(l["assets"].size() == 3);
  CHECK(l["assets"][0]["assetCode"] == "EUR");
  CHECK(rows(l["assets"][0]) == Rows{"B=900", "A=200"});
  CHECK(l["assets"][0]["supporters"][0]["display"] == "9.00 EUR");
  CHECK(l["assets"][1]["assetCode"] == "USD");
  CHECK(rows(l["assets"][1]) == Rows{"A=100"});
  CHECK(l["assets"][2]["assetCode"] == "XRP");
  CHECK(l["assets"][2]["assetScale"] == 9);
  CHECK(l["assets"][2]["supporters"][0]["display"] == "5.000000000 XRP");
}

TEST_CASE("analytics: leaderboard stream period counts only the current stream session") {
  Db db;
  const auto a = db.hash("https://wallet.example/a"), b = db.hash("https://wallet.example/b");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("100").at(now - 3 * kHour).by(a).name("A").session("s1"));
  record(db, Tip("2").value("200").at(now - kHour).by(a).name("A").session("s2"));
  record(db, Tip("3").value("50").at(now - kHour).by(b).name("B").session("s2"));
  record(db, Tip("4").value("999").at(now - 2 * kHour).by(b).name("B").session(""));
  record(db, Tip("5").value("999").at(now - 2 * kHour).by(b).name("B").session("s22"));
  CHECK(rows(board(db, "stream", now, "s2")["assets"][0]) == Rows{"A=200", "B=50"});
  CHECK(rows(board(db, "stream", now, "s1")["assets"][0]) == Rows{"A=100"});
  CHECK(board(db, "stream", now, "")["assets"].empty());  // offline: empty list
  CHECK(board(db, "stream", now, "s3")["assets"].empty());
}

TEST_CASE("analytics: leaderboard week and month cover the last 7 and 30 days") {
  Db db;
  const auto a = db.hash("https://wallet.example/a");
  const int64_t now = at("2026-03-10T12:30:00Z");
  record(db, Tip("1").value("1").at(now - 7 * kDay).by(a).name("A"));
  record(db, Tip("2").value("10").at(now - 7 * kDay - 1).by(a).name("A"));
  record(db, Tip("3").value("100").at(now - 30 * kDay).by(a).name("A"));
  record(db, Tip("4").value("1000").at(now - 30 * kDay - 1).by(a).name("A"));
  CHECK(rows(board(db, "week", now)["assets"][0]) == Rows{"A=1"});
  CHECK(rows(board(db, "month", now)["assets"][0]) == Rows{"A=111"});
  CHECK(rows(board(db, "all", now)["assets"][0]) == Rows{"A=1111"});
}

TEST_CASE("analytics: leaderboard honours the limit and breaks ties by count, then first tip") {
  Db db;
  const int64_t now = at("2026-03-10T12:30:00Z");
  std::vector<std::string> h;
  for (int i = 0; i < 5; ++i) h.push_back(db.hash("https://wallet.example/" + std::to_string(i)));
  record(db, Tip("1").value("100").at(now - 50).by(h[0]).name("Late"));
  record(db, Tip("2").value("100").at(now - 90).by(h[1]).name("Early"));
  record(db, Tip("3").value("60").at(now - 10).by(h[2]).name("Two"));
  record(db, Tip("4").value("40").at(now - 9).by(h[2]).name("Two"));
  record(db, Tip("5").value("500").at(now - 5).by(h[3]).name("Top"));
  record(db, Tip("6").value("1").at(now - 1).by(h[4]).name("Last"));
  CHECK(rows(board(db, "all", now, "", 4)["assets"][0]) == Rows{"Top=500", "Two=100", "Early=100", "Late=100"});
  CHECK(rows(board(db, "all", now, "", 1)["assets"][0]) == Rows{"Top=500"});
  CHECK(board(db, "all", now, "", 1000)["assets"][0]["supporters"].size() == 5);
}

TEST_CASE("analytics: leaderboard refuses an unknown period") {
  Db db;
  auto l = leaderboard(*db.store, "year", at("2026-03-10T12:30:00Z"), "s1");
  REQUIRE_FALSE(l);
  CHECK(l.error().code == "invalid_period");
}
