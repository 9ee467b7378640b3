// Web Monetization on Owncast's page: the snippet, merging it into the streamer's own custom
// JavaScript, and the admin API round trip against FakeOwncast.
#include "owncast/web_monetization.h"

#include <catch2/catch.hpp>

#include "owncast/admin_api.h"
#include "support/fake_owncast.h"

namespace oc = wm::owncast;
using wm::test::FakeOwncast;

namespace {
const std::string kWallet = "https://wallet.example/alice";
const std::string kOwn = "// the streamer's own code\nconsole.log('hello');\n";

std::string snippet(const std::string& wallet = kWallet) {
  auto s = oc::monetization_snippet(wallet);
  REQUIRE(s.ok());
  return *s;
}
}  // namespace

TEST_CASE("web monetization: the snippet is marked, names the wallet and refuses what could break out of it") {
  std::string s = snippet();
  CHECK(s.rfind(oc::kMonetizationBegin, 0) == 0);
  CHECK(s.find(oc::kMonetizationEnd) == s.size() - std::string(oc::kMonetizationEnd).size());
  CHECK(s.find("'" + kWallet + "'") != std::string::npos);
  CHECK(s.find("rel = 'monetization'") != std::string::npos);
  CHECK(snippet() == s);  // deterministic
  for (std::string bad : {"http://wallet.example/alice", "$wallet.example/alice", "https://w.example/a'+alert(1)+'",
                          "https://w.example/</script>", "https://w.example/a b", "https://", ""}) {
    INFO(bad);
    auto r = oc::monetization_snippet(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "invalid_wallet");
  }
}

TEST_CASE("web monetization: merging keeps the streamer's code, is idempotent and removable") {
  const std::string on = oc::with_monetization(kOwn, snippet());
  CHECK(on.rfind(kOwn, 0) == 0);
  CHECK(oc::has_monetization(on));
  CHECK_FALSE(oc::has_monetization(kOwn));
  CHECK(oc::with_monetization(on, snippet()) == on);
  CHECK(oc::without_monetization(on) == kOwn);
  CHECK(oc::without_monetization(kOwn) == kOwn);
  CHECK(oc::without_monetization(oc::with_monetization("", snippet())).empty());

  // Code without a final newline gets one before our block; code after our block stays.
  std::string tail = oc::with_monetization("a();", snippet()) + "b();\n";
  CHECK(tail.rfind("a();\n" + std::string(oc::kMonetizationBegin), 0) == 0);
  CHECK(oc::without_monetization(tail) == "a();\nb();\n");

  // A new wallet replaces the block in place instead of adding a second one.
  std::string moved = oc::with_monetization(tail, snippet("https://wallet.example/bob"));
  CHECK(moved.find("alice") == std::string::npos);
  CHECK(moved.find("bob") != std::string::npos);
  CHECK(moved.find(oc::kMonetizationBegin) == moved.rfind(oc::kMonetizationBegin));
  CHECK(moved.substr(moved.size() - 5) == "b();\n");
}

TEST_CASE("web monetization: switched on and off through Owncast's admin API, the streamer's code kept") {
  FakeOwncast owncast;
  owncast.set_custom_javascript(kOwn);

  auto status = oc::web_monetization_enabled(owncast.url());
  REQUIRE(status.ok());
  CHECK_FALSE(*status);

  auto on = oc::set_web_monetization(owncast.url(), owncast.admin_password(), snippet());
  REQUIRE(on.ok());
  CHECK(on->enabled);
  CHECK(on->changed);
  CHECK(owncast.custom_javascript() == oc::with_monetization(kOwn, snippet()));
  CHECK(*oc::web_monetization_enabled(owncast.url()));

  // Again: nothing to write.
  owncast.clear_calls();
  auto again = oc::set_web_monetization(owncast.url(), owncast.admin_password(), snippet());
  REQUIRE(again.ok());
  CHECK_FALSE(again->changed);
  CHECK(owncast.calls("POST", "/api/admin/config/customjavascript").empty());

  // A wrong password is said so, even though nothing would have been written.
  auto wrong = oc::set_web_monetization(owncast.url(), "not-the-password", snippet());
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == "owncast_unauthorized");

  auto off = oc::set_web_monetization(owncast.url(), owncast.admin_password(), "");
  REQUIRE(off.ok());
  CHECK_FALSE(off->enabled);
  CHECK(off->changed);
  CHECK(owncast.custom_javascript() == kOwn);
  CHECK_FALSE(*oc::web_monetization_enabled(owncast.url()));
}
