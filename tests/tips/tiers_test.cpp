// Tip tiers: generation (friendly amounts, integer math), validation, custom tiers, persistence.
#include "tips/tiers.h"

#include <catch2/catch.hpp>

#include <set>

#include "support/test_store.h"
#include "support/test_support.h"

using json = nlohmann::json;
using namespace wm;
using tips::Amount;

namespace {

Amount amt(const std::string& v, const std::string& code, int scale) {
  return Amount{std::stoull(v), code, static_cast<uint8_t>(scale)};
}

std::vector<std::string> values(const tips::TierSet& s) {
  std::vector<std::string> out;
  for (const auto& t : s.tiers) out.push_back(std::to_string(t.amount.units));
  return out;
}

std::vector<std::string> displays(const tips::TierSet& s) {
  std::vector<std::string> out;
  for (const auto& t : s.tiers) out.push_back(tips::to_json(t)["display"].get<std::string>());
  return out;
}

// Significant digits of a minor-unit value ("1500" -> 2).
size_t significant(std::string v) {
  while (v.size() > 1 && v.back() == '0') v.pop_back();
  return v.size();
}

uint64_t u(const Amount& a) { return a.units; }

using test::open_store;

// Every generated set: 4-6 tiers, the theme's size, strictly increasing, in [lo, hi], ids stable.
void check_set(const tips::TierSet& s, const std::string& theme, const Amount& lo, const Amount& hi,
               size_t max_significant) {
  INFO(theme << " " << lo.units << ".." << hi.units << " " << lo.asset_code << "/" << int(lo.asset_scale));
  CHECK(s.theme == theme);
  CHECK(s.asset_code == lo.asset_code);
  CHECK(s.asset_scale == lo.asset_scale);
  REQUIRE(s.tiers.size() >= 4);
  REQUIRE(s.tiers.size() <= 6);
  std::set<std::string> names, emoji, perks;
  for (size_t i = 0; i < s.tiers.size(); ++i) {
    const auto& t = s.tiers[i];
    CHECK(t.id == theme + "-" + std::to_string(i));
    CHECK(t.theme == theme);
    CHECK(t.amount.asset_code == lo.asset_code);
    CHECK(t.amount.asset_scale == lo.asset_scale);
    CHECK(u(t.amount) >= u(lo));
    CHECK(u(t.amount) <= u(hi));
    CHECK(significant(std::to_string(t.amount.units)) <= max_significant);
    if (i > 0) CHECK(u(t.amount) > u(s.tiers[i - 1].amount));
    CHECK(!t.name.empty());
    CHECK(t.name.size() <= 40);
    CHECK(!t.emoji.empty());
    CHECK(t.emoji.size() <= 16);
    CHECK(!t.perk.empty());
    CHECK(t.perk.size() <= 120);
    names.insert(t.name);
    emoji.insert(t.emoji);
    perks.insert(t.perk);
  }
  CHECK(names.size() == s.tiers.size());
  CHECK(emoji.size() == s.tiers.size());
  CHECK(perks.size() == s.tiers.size());
}

}  // namespace

TEST_CASE("tiers: ten themes, names unique across all of them") {
  REQUIRE(tips::theme_names() == std::vector<std::string>{"fun", "fantasy", "scifi", "gaming", "retro", "space",
                                                          "nature", "food", "music", "coffee"});
  std::set<std::string> names, emoji;
  size_t total = 0;
  for (const auto& theme : tips::theme_names()) {
    CHECK(tips::is_theme(theme));
    auto s = tips::generate(theme, "EUR", 2);
    REQUIRE(s.ok());
    for (const auto& t : s->tiers) {
      names.insert(t.name);
      emoji.insert(t.emoji);
      ++total;
    }
  }
  CHECK(names.size() == total);
  CHECK(emoji.size() == total);
  CHECK_FALSE(tips::is_theme("Fun"));
  CHECK_FALSE(tips::is_theme(""));
}

TEST_CASE("tiers: every theme generates friendly increasing amounts for EUR/2, JPY/0, XRP/9") {
  struct Case {
    std::string code;
    int scale;
    std::string lo, hi;
    size_t max_sig;
  };
  const std::vector<Case> cases = {
      {"EUR", 2, "100", "10000", 1},              // 1.00 - 100.00 (the defaults)
      {"EUR", 2, "300", "4000", 2},               // 3.00 - 40.00
      {"EUR", 2, "100", "150", 2},                // 1.00 - 1.50: narrow
      {"EUR", 2, "1", "10", 2},                   // 0.01 - 0.10
      {"EUR", 2, "199", "203", 3},                // 1.99 - 2.03: only five amounts exist
      {"USD", 2, "123456", "123999", 5},          // no round value inside
      {"JPY", 0, "1", "100", 1},                  // the defaults
      {"JPY", 0, "100", "100000", 1},             // 100 - 100000 yen
      {"JPY", 0, "1000", "1500", 2},              // narrow
      {"XRP", 9, "1000000000", "100000000000", 1},  // 1 - 100 XRP
      {"XRP", 9, "1", "1000000", 1},              // dust
      {"XRP", 9, "1000000000", "1200000000", 3},  // 1.0 - 1.2 XRP
      {"BIG", 18, "1000000000000000000", "18446744073709551615", 2},
  };
  for (const auto& c : cases) {
    for (const auto& theme : tips::theme_names()) {
      Amount lo = amt(c.lo, c.code, c.scale), hi = amt(c.hi, c.code, c.scale);
      auto s = tips::generate(theme, c.code, c.scale, lo, hi);
      INFO(theme << " " << c.code << " " << c.lo << ".." << c.hi);
      REQUIRE(s.ok());
      check_set(*s, theme, lo, hi, c.max_sig);
    }
  }
}

TEST_CASE("tiers: exact amounts on the 1-2-5 ladder") {
  // fun has 6 tiers, fantasy 5, retro 4.
  auto fun = tips::generate("fun", "EUR", 2);
  REQUIRE(fun.ok());
  CHECK(values(*fun) == std::vector<std::string>{"100", "200", "500", "2000", "5000", "10000"});
  CHECK(displays(*fun) ==
        std::vector<std::string>{"1.00 EUR", "2.00 EUR", "5.00 EUR", "20.00 EUR", "50.00 EUR", "100.00 EUR"});
  auto fantasy = tips::generate("fantasy", "EUR", 2);
  REQUIRE(fantasy.ok());
  CHECK(displays(*fantasy) == std::vector<std::string>{"1.00 EUR", "5.00 EUR", "10.00 EUR", "50.00 EUR", "100.00 EUR"});
  auto retro = tips::generate("retro", "EUR", 2);
  REQUIRE(retro.ok());
  CHECK(displays(*retro) == std::vector<std::string>{"1.00 EUR", "5.00 EUR", "20.00 EUR", "100.00 EUR"});

  auto yen = tips::generate("fun", "JPY", 0);
  REQUIRE(yen.ok());
  CHECK(displays(*yen) == std::vector<std::string>{"1 JPY", "2 JPY", "5 JPY", "20 JPY", "50 JPY", "100 JPY"});

  auto xrp = tips::generate("retro", "XRP", 9);
  REQUIRE(xrp.ok());
  CHECK(displays(*xrp) ==
        std::vector<std::string>{"1.000000000 XRP", "5.000000000 XRP", "20.000000000 XRP", "100.000000000 XRP"});
}

TEST_CASE("tiers: close bounds fall back to finer steps") {
  Amount lo = amt("100", "EUR", 2), hi = amt("150", "EUR", 2);
  auto fun = tips::generate("fun", "EUR", 2, lo, hi);
  REQUIRE(fun.ok());
  CHECK(displays(*fun) ==
        std::vector<std::string>{"1.00 EUR", "1.10 EUR", "1.20 EUR", "1.30 EUR", "1.40 EUR", "1.50 EUR"});
  auto retro = tips::generate("retro", "EUR", 2, lo, hi);
  REQUIRE(retro.ok());
  CHECK(displays(*retro) == std::vector<std::string>{"1.00 EUR", "1.20 EUR", "1.30 EUR", "1.50 EUR"});

  // 1.5x steps before two significant digits: 1.00 .. 4.00 EUR.
  auto r = tips::generate("fun", "EUR", 2, amt("100", "EUR", 2), amt("400", "EUR", 2));
  REQUIRE(r.ok());
  CHECK(values(*r) == std::vector<std::string>{"100", "150", "200", "250", "300", "400"});

  // Only four whole yen fit: a 6-tier theme gives its first four tiers.
  auto four = tips::generate("fun", "JPY", 0, amt("1", "JPY", 0), amt("4", "JPY", 0));
  REQUIRE(four.ok());
  CHECK(values(*four) == std::vector<std::string>{"1", "2", "3", "4"});
  CHECK(four->tiers[3].id == "fun-3");

  // The largest scale: default 1..100 major units saturate at 2^64-1.
  auto big = tips::generate("fun", "BIG", 18);
  REQUIRE(big.ok());
  CHECK(values(*big) == std::vector<std::string>{"1000000000000000000", "2000000000000000000", "3000000000000000000",
                                                 "4000000000000000000", "7500000000000000000",
                                                 "15000000000000000000"});
}

TEST_CASE("tiers: invalid generation input is refused with clear errors") {
  Amount lo = amt("100", "EUR", 2), hi = amt("10000", "EUR", 2);
  auto bad_theme = tips::generate("pirates", "EUR", 2, lo, hi);
  REQUIRE_FALSE(bad_theme.ok());
  CHECK(bad_theme.error().code == "invalid_theme");
  CHECK(bad_theme.error().message.find("fun, fantasy, scifi, gaming, retro, space, nature, food, music, coffee") !=
        std::string::npos);

  auto reversed = tips::generate("fun", "EUR", 2, hi, lo);
  REQUIRE_FALSE(reversed.ok());
  CHECK(reversed.error().code == "invalid_range");
  CHECK(reversed.error().message.find("100.00 EUR") != std::string::npos);

  auto zero = tips::generate("fun", "EUR", 2, amt("0", "EUR", 2), hi);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().code == "invalid_amount");

  auto mismatch = tips::generate("fun", "EUR", 2, amt("100", "USD", 2), hi);
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().code == "asset_mismatch");
  auto mismatch_scale = tips::generate("fun", "EUR", 2, lo, amt("10000", "EUR", 3));
  REQUIRE_FALSE(mismatch_scale.ok());
  CHECK(mismatch_scale.error().code == "asset_mismatch");

  auto scale = tips::generate("fun", "EUR", 19);
  REQUIRE_FALSE(scale.ok());
  CHECK(scale.error().code == "invalid_scale");
  auto negative = tips::generate("fun", "EUR", -1);
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.error().code == "invalid_scale");

  auto code = tips::generate("fun", "eu", 2);
  REQUIRE_FALSE(code.ok());
  CHECK(code.error().code == "invalid_currency");

  auto narrow = tips::generate("fun", "JPY", 0, amt("1", "JPY", 0), amt("3", "JPY", 0));
  REQUIRE_FALSE(narrow.ok());
  CHECK(narrow.error().code == "range_too_narrow");
  auto same = tips::generate("fun", "EUR", 2, lo, lo);
  REQUIRE_FALSE(same.ok());
  CHECK(same.error().code == "range_too_narrow");
}

TEST_CASE("tiers: tier JSON shape") {
  auto s = tips::generate("coffee", "EUR", 2);
  REQUIRE(s.ok());
  json j = tips::to_json(*s);
  CHECK(j["theme"] == "coffee");
  CHECK(j["currency"] == "EUR");
  CHECK(j["assetScale"] == 2);
  REQUIRE(j["tiers"].size() == 4);
  const json& t = j["tiers"][1];
  CHECK(t["id"] == "coffee-1");
  CHECK(t["theme"] == "coffee");
  CHECK(t["name"] == "Croissant Combo");
  CHECK(t["emoji"] == "🥐");
  CHECK(t["perk"].is_string());
  CHECK(t["amount"] == json{{"value", "500"}, {"assetCode", "EUR"}, {"assetScale", 2}});
  CHECK(t["amount"]["value"].is_string());
  CHECK(t["display"] == "5.00 EUR");
  auto back = tips::tier_set_from_json(j);
  REQUIRE(back.ok());
  CHECK(*back == *s);
  CHECK_FALSE(tips::tier_set_from_json(json::array()).ok());
  CHECK_FALSE(tips::tier_set_from_json(json{{"theme", "x"}}).ok());
}

TEST_CASE("tiers: custom tiers are validated") {
  json good = json::array({
      {{"name", "Small thanks"}, {"emoji", "🙏"}, {"perk", "Thank you!"}, {"amount", "1.50"}},
      {{"id", "big_one"},
       {"name", "Big thanks"},
       {"amount", {{"value", "2000"}, {"assetCode", "EUR"}, {"assetScale", 2}}}},
  });
  auto s = tips::parse_custom(good, "EUR", 2);
  REQUIRE(s.ok());
  CHECK(s->theme == "custom");
  CHECK(s->asset_code == "EUR");
  REQUIRE(s->tiers.size() == 2);
  CHECK(s->tiers[0].id == "custom-0");
  CHECK(s->tiers[0].amount.units == 150);
  CHECK(s->tiers[0].theme == "custom");
  CHECK(s->tiers[1].id == "big_one");
  CHECK(s->tiers[1].emoji.empty());
  CHECK(s->tiers[1].perk.empty());
  CHECK(tips::to_json(s->tiers[1])["display"] == "20.00 EUR");

  auto tier = [](json extra) {
    json t = {{"name", "Tier"}, {"amount", "1.00"}};
    t.update(extra);
    return json::array({t});
  };
  auto refused = [](const json& tiers, const std::string& why) {
    auto r = tips::parse_custom(tiers, "EUR", 2);
    INFO(why << ": " << tiers.dump(-1, ' ', false, json::error_handler_t::replace));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "invalid_tiers");
    CHECK(!r.error().message.empty());
  };
  refused(json::array(), "no tiers");
  refused(json::object(), "not an array");
  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back({{"name", "T" + std::to_string(i)}, {"amount", "1"}});
  refused(eleven, "eleven tiers");
  eleven.erase(eleven.begin());
  CHECK(tips::parse_custom(eleven, "EUR", 2).ok());  // ten is fine

  refused(tier({{"name", ""}}), "empty name");
  refused(tier({{"name", std::string(41, 'x')}}), "41-character name");
  CHECK(tips::parse_custom(tier({{"name", std::string(40, 'x')}}), "EUR", 2).ok());
  std::string accented;
  for (int i = 0; i < 40; ++i) accented += "é";  // 40 characters, 80 bytes
  CHECK(tips::parse_custom(tier({{"name", accented}}), "EUR", 2).ok());
  refused(tier({{"name", accented + "é"}}), "41 accented characters");
  refused(tier({{"name", "bad\nname"}}), "control character");
  refused(tier({{"name", std::string("bad\xff")}}), "invalid UTF-8");
  refused(tier({{"name", 5}}), "name not a string");
  refused(tier({{"emoji", std::string(17, 'x')}}), "17-byte emoji");
  refused(tier({{"emoji", "👨‍👩‍👧"}}), "18-byte emoji sequence");
  CHECK(tips::parse_custom(tier({{"emoji", "🇪🇺"}}), "EUR", 2).ok());  // 8 bytes
  refused(tier({{"perk", std::string(121, 'p')}}), "121-character perk");
  CHECK(tips::parse_custom(tier({{"perk", std::string(120, 'p')}}), "EUR", 2).ok());
  refused(tier({{"amount", "0"}}), "zero amount");
  refused(tier({{"amount", "1.001"}}), "too many decimals");
  refused(tier({{"amount", 1}}), "number amount");
  refused(tier({{"amount", {{"value", "100"}, {"assetCode", "USD"}, {"assetScale", 2}}}}), "other currency");
  refused(json::array({{{"name", "A"}}}), "missing amount");
  refused(tier({{"id", "has space"}}), "bad id");
  refused(tier({{"id", std::string(65, 'a')}}), "long id");
  refused(json::array({{{"id", "a"}, {"name", "A"}, {"amount", "1"}}, {{"id", "a"}, {"name", "B"}, {"amount", "2"}}}),
          "duplicate ids");
  refused(json::array({{{"name", "A"}, {"amount", "1"}}, {{"id", "custom-0"}, {"name", "B"}, {"amount", "2"}}}),
          "explicit id colliding with a default one");
  refused(json::array({"not an object"}), "tier not an object");
}

TEST_CASE("tiers: custom tiers and theme choices persist in the settings table") {
  test::TempDir dir;
  auto custom = tips::parse_custom(json::array({{{"name", "Coffee"}, {"emoji", "☕"}, {"amount", "3.00"}},
                                                {{"name", "Lunch"}, {"perk", "Lunch is on you"}, {"amount", "12"}}}),
                                   "EUR", 2);
  REQUIRE(custom.ok());
  tips::ThemeChoice choice{"space", amt("200", "EUR", 2), amt("5000", "EUR", 2), "regulars"};
  {
    auto store = open_store(dir.path());
    auto none = tips::load_custom(*store, "main");
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    auto no_theme = tips::load_theme(*store, "main");
    REQUIRE(no_theme.ok());
    CHECK_FALSE(no_theme->has_value());

    auto def = tips::resolve(*store, "main", "EUR", 2);
    REQUIRE(def.ok());
    CHECK(def->source == "default");
    CHECK(def->set.theme == "fun");
    CHECK(def->set == *tips::generate("fun", "EUR", 2));

    REQUIRE(tips::save_theme(*store, "main", choice).ok());
    auto themed = tips::resolve(*store, "main", "EUR", 2);
    REQUIRE(themed.ok());
    CHECK(themed->source == "theme");
    CHECK(themed->set.theme == "space");
    CHECK(themed->set.tiers.front().amount.units == 200);
    CHECK(themed->set.tiers.back().amount.units == 5000);

    REQUIRE(tips::save_custom(*store, "main", *custom).ok());
    CHECK_FALSE(tips::save_custom(*store, "bad id", *custom).ok());
    CHECK_FALSE(tips::save_theme(*store, "main", {"nope", choice.min, choice.max, ""}).ok());
  }
  {
    auto store = open_store(dir.path());  // reopened: everything came from LMDB
    auto loaded = tips::load_custom(*store, "main");
    REQUIRE(loaded.ok());
    REQUIRE(loaded->has_value());
    CHECK(**loaded == *custom);
    auto theme = tips::load_theme(*store, "main");
    REQUIRE(theme.ok());
    REQUIRE(theme->has_value());
    CHECK(**theme == choice);

    auto shown = tips::resolve(*store, "main", "EUR", 2);
    REQUIRE(shown.ok());
    CHECK(shown->source == "custom");
    CHECK(shown->set == *custom);

    // Other streams are unaffected.
    auto other = tips::resolve(*store, "other", "USD", 2);
    REQUIRE(other.ok());
    CHECK(other->source == "default");
    CHECK(other->set.asset_code == "USD");

    // The keys are the documented ones.
    std::set<std::string> keys;
    auto st = tips::scan_tier_rows(*store, [&](std::string_view k, std::string_view) {
      keys.emplace(k);
      return true;
    });
    REQUIRE(st.ok());
    CHECK(keys.count("tiers/custom/main") == 1);
    CHECK(keys.count("tiers/theme/main") == 1);

    REQUIRE(tips::clear_custom(*store, "main").ok());
    auto after = tips::resolve(*store, "main", "EUR", 2);
    REQUIRE(after.ok());
    CHECK(after->source == "theme");
  }
}
