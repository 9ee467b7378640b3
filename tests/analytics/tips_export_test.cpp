// Tip list (filters, cursor paging) and the CSV export.
#include "analytics/tips_export.h"

#include <set>

#include "helpers.h"
#include "tips/tip_service.h"

using json = nlohmann::json;
using namespace wm;
using namespace wm::analytics;
using namespace wm::analytics::testing;

namespace {

tips::TipRecord tip(const std::string& id, const std::string& status, int64_t created_ns) {
  tips::TipRecord r;
  r.id = id;
  r.status = tips::parse_tip_status(status).value();
  r.stream_id = "default";
  r.sender_wallet = "https://wallet.example/sender-" + id;
  r.display_name = "Name " + id;
  r.message = "Message " + id;
  r.amount = openpayments::Amount{500, "EUR", 2};
  r.receive_amount = r.amount;
  r.debit_amount = openpayments::Amount{560, "USD", 2};
  r.created_ns = created_ns;
  r.updated_ns = created_ns + kSecond;
  return r;
}

void put(Db& db, const tips::TipRecord& r) {
  auto t = db.store->table("tips");
  auto st = db.store->update([&](store::WriteTxn& txn) { return txn.put(t, "t/" + r.id, tips::to_storage(r).dump()); });
  REQUIRE(st.ok());
}

json list(Db& db, const TipFilter& f) {
  auto r = list_tips(*db.store, f);
  INFO((r ? std::string() : r.error().code + ": " + r.error().message));
  REQUIRE(r.ok());
  return *r;
}

std::vector<std::string> ids(const json& page) {
  std::vector<std::string> out;
  for (const auto& t : page["tips"]) out.push_back(t["id"].get<std::string>());
  return out;
}

using Ids = std::vector<std::string>;

const int64_t T0 = 1773145800LL * kSecond;  // 2026-03-10T12:30:00Z

}  // namespace

TEST_CASE("analytics: list_tips is newest first with hidden, display and the public fields only") {
  Db db;
  auto r = tip("b", "completed", T0 + 2 * kSecond);
  r.streamer_token = "SECRET-STREAMER-TOKEN";
  r.op_token = "SECRET-OP-TOKEN";
  put(db, tip("a", "completed", T0));
  put(db, r);
  put(db, tip("c", "failed", T0 + kSecond));
  REQUIRE(set_hidden(*db.store, "a", true).ok());
  json page = list(db, {});
  CHECK(ids(page) == Ids{"b", "c", "a"});
  CHECK(page["next"].is_null());
  const json& b = page["tips"][0];
  CHECK(b["hidden"] == false);
  CHECK(page["tips"][2]["hidden"] == true);
  CHECK(b["display"] == "5.00 EUR");
  CHECK(b["amount"] == json{{"value", "500"}, {"assetCode", "EUR"}, {"assetScale", 2}});
  CHECK(b["debitAmount"]["value"] == "560");
  CHECK(b["receiveAmount"]["value"] == "500");
  CHECK(b["createdAt"] == "2026-03-10T12:30:02Z");
  CHECK(b["displayName"] == "Name b");
  CHECK(b["message"] == "Message b");
  const std::string text = page.dump();
  CHECK(text.find("SECRET") == std::string::npos);
  CHECK(text.find("wallet.example") == std::string::npos);
}

TEST_CASE("analytics: list_tips filters by status") {
  Db db;
  put(db, tip("a", "completed", T0));
  put(db, tip("b", "failed", T0 + 1));
  put(db, tip("c", "completed", T0 + 2));
  put(db, tip("d", "awaiting_consent", T0 + 3));
  CHECK(ids(list(db, {.status = "completed"})) == Ids{"c", "a"});
  CHECK(ids(list(db, {.status = "failed"})) == Ids{"b"});
  CHECK(ids(list(db, {.status = "expired"})).empty());
  auto bad = list_tips(*db.store, {.status = "done"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "invalid_status");
}

TEST_CASE("analytics: list_tips date filter is from inclusive, to exclusive") {
  Db db;
  for (int i = 0; i < 5; ++i) put(db, tip("t" + std::to_string(i), "completed", T0 + i * kDay));
  CHECK(ids(list(db, {.from_ns = T0 + kDay})) == Ids{"t4", "t3", "t2", "t1"});
  CHECK(ids(list(db, {.to_ns = T0 + kDay})) == Ids{"t0"});
  CHECK(ids(list(db, {.from_ns = T0 + kDay, .to_ns = T0 + 3 * kDay})) == Ids{"t2", "t1"});
  CHECK(ids(list(db, {.from_ns = T0 + kDay + 1, .to_ns = T0 + 3 * kDay + 1})) == Ids{"t3", "t2"});
  auto bad = list_tips(*db.store, {.from_ns = T0 + kDay, .to_ns = T0});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "invalid_range");
}

TEST_CASE("analytics: list_tips cursor paging returns every tip once, in order") {
  Db db;
  // Two pairs share a created time: the id breaks the tie.
  put(db, tip("a", "completed", T0));
  put(db, tip("b", "completed", T0 + 1));
  put(db, tip("c", "completed", T0 + 1));
  put(db, tip("d", "failed", T0 + 2));
  put(db, tip("e", "completed", T0 + 3));
  put(db, tip("f", "completed", T0 + 3));
  put(db, tip("g", "completed", T0 + 4));
  Ids seen;
  std::vector<size_t> sizes;
  TipFilter f{.limit = 3};
  for (int guard = 0; guard < 10; ++guard) {
    json page = list(db, f);
    for (auto& id : ids(page)) seen.push_back(id);
    sizes.push_back(page["tips"].size());
    if (page["next"].is_null()) break;
    f.before = page["next"].get<std::string>();
    // A tip created while paging is newer than the cursor: it does not shift later pages.
    if (guard == 0) put(db, tip("new", "completed", T0 + 10));
  }
  CHECK(seen == Ids{"g", "f", "e", "d", "c", "b", "a"});
  CHECK(sizes == std::vector<size_t>{3, 3, 1});
  // Paging combines with filters.
  json completed = list(db, {.status = "completed", .limit = 2});
  CHECK(ids(completed) == Ids{"new", "g"});
  json more = list(db, {.status = "completed", .limit = 5, .before = completed["next"].get<std::string>()});
  CHECK(ids(more) == Ids{"f", "e", "c", "b", "a"});
  CHECK(more["next"].is_null());  // exactly the rest: no further page
  // limit 0 means the default page size (100): everything here, no next page.
  json all = list(db, {.limit = 0});
  CHECK(all["tips"].size() == 8);
  CHECK(all["next"].is_null());
}

TEST_CASE("analytics: list_tips refuses a cursor it did not issue") {
  Db db;
  put(db, tip("a", "completed", T0));
  for (const char* bad : {"%%%", "bm9jb2xvbg", "MTIzOg", "eHg6YQ"}) {  // garbage, "nocolon", "123:", "xx:a"
    auto r = list_tips(*db.store, {.before = bad});
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_cursor");
  }
}

TEST_CASE("analytics: tips_csv writes RFC 4180 with a header and quoted fields") {
  json items = json::array();
  items.push_back({{"id", "t1"}, {"createdAt", "2026-03-10T12:30:00Z"}, {"status", "completed"},
                   {"amount", {{"value", "1234"}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                   {"displayName", "Smith, \"Jo\""}, {"anonymous", false},
                   {"message", "line one\r\nline two\nthree"}, {"hidden", true}});
  items.push_back({{"id", "t2"}, {"createdAt", "2026-03-10T12:31:00Z"}, {"status", "completed"},
                   {"amount", {{"value", "5"}, {"assetCode", "XRP"}, {"assetScale", 9}}},
                   {"displayName", ""}, {"anonymous", false}, {"message", "plain"}, {"hidden", false}});
  const std::string expected =
      "id,createdAt,status,amount,assetCode,displayName,anonymous,message,hidden,owncastUserId\r\n"
      "t1,2026-03-10T12:30:00Z,completed,12.34,EUR,\"Smith, \"\"Jo\"\"\",false,\"line one\r\nline two\nthree\",true,\r\n"
      "t2,2026-03-10T12:31:00Z,completed,0.000000005,XRP,,false,plain,false,\r\n";
  CHECK(tips_csv(items) == expected);
  CHECK(tips_csv(json::array()) == "id,createdAt,status,amount,assetCode,displayName,anonymous,message,hidden,owncastUserId\r\n");
}

TEST_CASE("analytics: tips_csv neutralises cells a spreadsheet would run as formulas") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"=1+1", "'=1+1"},
      {"+SUM(A1)", "'+SUM(A1)"},
      {"-2+3", "'-2+3"},
      {"@SUM(A1)", "'@SUM(A1)"},
      {"\t=1", "'\t=1"},
      {"\r=1", "\"'\r=1\""},
      {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
      {"a=b", "a=b"},
      {"'quoted", "'quoted"},
  };
  for (const auto& [input, cell] : cases) {
    INFO(input);
    json items = json::array();
    items.push_back({{"id", "t1"}, {"createdAt", "2026-03-10T12:30:00Z"}, {"status", "completed"},
                     {"amount", {{"value", "1"}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                     {"displayName", input}, {"anonymous", false}, {"message", input}, {"hidden", false}});
    const std::string expected = "t1,2026-03-10T12:30:00Z,completed,0.01,EUR," + cell + ",false," + cell + ",false,\r\n";
    const std::string csv = tips_csv(items);
    CHECK(csv.substr(csv.find("\r\n") + 2) == expected);
  }
}

TEST_CASE("analytics: tips_csv neutralises leading whitespace and full-width formula signs") {
  // Some spreadsheets trim leading whitespace or fold full-width signs to ASCII before deciding
  // that a cell is a formula.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {" =1+1", "' =1+1"},
      {"\n=1+1", "\"'\n=1+1\""},
      {"\xEF\xBC\x9D" "1+1", "'\xEF\xBC\x9D" "1+1"},        // ＝1+1
      {"\xEF\xBC\x8BSUM(A1)", "'\xEF\xBC\x8BSUM(A1)"},  // ＋SUM(A1)
      {"\xEF\xBC\x8D" "2", "'\xEF\xBC\x8D" "2"},              // －2
      {"\xEF\xBC\xA0SUM(A1)", "'\xEF\xBC\xA0SUM(A1)"},  // ＠SUM(A1)
      {"a\xEF\xBC\x9D", "a\xEF\xBC\x9D"},
  };
  for (const auto& [input, cell] : cases) {
    INFO(input);
    json items = json::array();
    items.push_back({{"id", "t1"}, {"createdAt", "2026-03-10T12:30:00Z"}, {"status", "completed"},
                     {"amount", {{"value", "1"}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                     {"displayName", "n"}, {"anonymous", false}, {"message", input}, {"hidden", false}});
    const std::string csv = tips_csv(items);
    CHECK(csv.find("," + cell + ",") != std::string::npos);
  }
}

TEST_CASE("analytics: tips_csv exports an empty name for anonymous tips") {
  Db db;
  auto r = tip("anon", "completed", T0);
  r.anonymous = true;
  r.display_name = "Secret Sam";
  put(db, r);
  json page = list(db, {});
  std::string csv = tips_csv(page["tips"]);
  CHECK(csv.find("Secret Sam") == std::string::npos);
  CHECK(csv.find("anon,2026-03-10T12:30:00Z,completed,5.00,EUR,,true,Message anon,false,\r\n") != std::string::npos);
  // Even when a caller's JSON still carries the name.
  json items = json::array();
  items.push_back({{"id", "x"}, {"anonymous", true}, {"displayName", "Secret Sam"}});
  CHECK(tips_csv(items).find("Secret Sam") == std::string::npos);
}

TEST_CASE("analytics: list_tips output feeds tips_csv with the hidden flag") {
  Db db;
  put(db, tip("a", "completed", T0));
  put(db, tip("b", "completed", T0 + 1));
  REQUIRE(set_hidden(*db.store, "b", true).ok());
  std::string csv = tips_csv(list(db, {})["tips"]);
  CHECK(csv ==
        "id,createdAt,status,amount,assetCode,displayName,anonymous,message,hidden,owncastUserId\r\n"
        "b,2026-03-10T12:30:00.000000001Z,completed,5.00,EUR,Name b,false,Message b,true,\r\n"
        "a,2026-03-10T12:30:00Z,completed,5.00,EUR,Name a,false,Message a,false,\r\n");
}

TEST_CASE("analytics: list_tips hides cancelled and expired tips unless the status filter asks for them") {
  Db db;
  put(db, tip("a", "completed", T0));
  put(db, tip("b", "cancelled", T0 + 1));
  put(db, tip("c", "expired", T0 + 2));
  put(db, tip("d", "awaiting_consent", T0 + 3));
  CHECK(ids(list(db, {})) == Ids{"d", "a"});
  CHECK(ids(list(db, {.status = "cancelled"})) == Ids{"b"});
  CHECK(ids(list(db, {.status = "expired"})) == Ids{"c"});
  CHECK(ids(list(db, {.status = "all"})) == Ids{"d", "c", "b", "a"});
  // Paging over the default view skips them too.
  json first = list(db, {.limit = 1});
  CHECK(ids(first) == Ids{"d"});
  CHECK(ids(list(db, {.limit = 1, .before = first["next"].get<std::string>()})) == Ids{"a"});
}

TEST_CASE("analytics: the tip list and CSV show the owncastUserId hint as the last column") {
  Db db;
  auto a = tip("a", "completed", T0);
  a.owncast_user_id = "=cmd|user-42";
  put(db, a);
  put(db, tip("b", "completed", T0 + 1));
  json page = list(db, {});
  REQUIRE(page["tips"].size() == 2);
  CHECK(page["tips"][0]["owncastUserId"].is_null());
  CHECK(page["tips"][1]["owncastUserId"] == "=cmd|user-42");
  const std::string csv = tips_csv(page["tips"]);
  CHECK(csv.substr(0, csv.find("\r\n")).ends_with(",hidden,owncastUserId"));
  CHECK(csv.find("Message a,false,'=cmd|user-42\r\n") != std::string::npos);  // neutralised like every cell
  CHECK(csv.find("Message b,false,\r\n") != std::string::npos);
}
