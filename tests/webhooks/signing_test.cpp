// Standard Webhooks signatures, payload shapes, Discord bodies and the target policy.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>

#include "webhooks/helpers.h"
#include "webhooks/payload.h"
#include "webhooks/policy.h"
#include "webhooks/signing.h"

using namespace wm;

TEST_CASE("webhooks: signatures match the Standard Webhooks reference vector") {
  // The vector of the standardwebhooks libraries (checked with the npm package in tests/).
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  auto sig = webhooks::sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})");
  REQUIRE(sig);
  CHECK(*sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  CHECK(webhooks::verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", *sig, R"({"test": 2432232314})", 0));
  CHECK_FALSE(webhooks::verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", *sig, R"({"test": 2432232315})", 0));
  auto stale = webhooks::verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", *sig, R"({"test": 2432232314})",
                                1614265330 + 301);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == "stale_timestamp");
}

TEST_CASE("webhooks: a generated secret is whsec_ + base64 of 32 random bytes") {
  auto a = webhooks::generate_secret(), b = webhooks::generate_secret();
  CHECK(a.rfind("whsec_", 0) == 0);
  CHECK(a != b);
  auto key = webhooks::secret_key(a);
  REQUIRE(key);
  CHECK(key->size() == 32);
}

TEST_CASE("webhooks: with two secrets the header carries two entries and each verifies") {
  const auto s1 = webhooks::generate_secret(), s2 = webhooks::generate_secret();
  auto h = webhooks::signature_header({s1, s2}, "msg_1", 1700000000, "{}");
  REQUIRE(h);
  CHECK(std::count(h->begin(), h->end(), ' ') == 1);
  CHECK(webhooks::verify(s1, "msg_1", "1700000000", *h, "{}", 0));
  CHECK(webhooks::verify(s2, "msg_1", "1700000000", *h, "{}", 0));
  CHECK_FALSE(webhooks::verify(webhooks::generate_secret(), "msg_1", "1700000000", *h, "{}", 0));
}

TEST_CASE("webhooks: a tip payload has the amount object and display, never a hidden message or a wallet") {
  auto e = test::tip_event(42, "tip1", 1250, "secret note");
  webhooks::Render r;
  auto p = webhooks::payload(e, "msg_42", r);
  CHECK(p["type"] == "tip.completed");
  CHECK(p["id"] == "msg_42");
  CHECK(p["timestamp"].get<std::string>().back() == 'Z');
  CHECK(p["data"]["amount"] == nlohmann::json{{"value", "1250"}, {"assetCode", "EUR"}, {"assetScale", 2}});
  CHECK(p["data"]["display"] == "12.50 EUR");
  CHECK(p["data"]["message"] == "secret note");
  CHECK(p["data"]["senderHash"] == "0123456789abcdef");
  r.hidden = [](const std::string& id) { return id == "tip1"; };
  auto hidden = webhooks::payload(e, "msg_42", r);
  CHECK(hidden["data"]["message"].is_null());
  CHECK(hidden["data"]["messageHidden"] == true);
  CHECK(hidden.dump().find("secret note") == std::string::npos);
  CHECK(hidden.dump().find("wallet") == std::string::npos);
}

TEST_CASE("webhooks: a Discord body renders the announcement with mentions disabled") {
  auto e = test::tip_event(1, "tip1", 500, "@everyone hi");
  webhooks::Render r;
  r.announcement = [](const events::Event& ev, bool hidden) {
    return "ANN " + ev.tip()->display_name + (hidden ? "" : " " + webhooks::discord_escape(ev.tip()->message));
  };
  auto b = webhooks::discord_body(e, r);
  CHECK(b["content"] == "ANN Nova \\@everyone hi");
  CHECK(b["allowed_mentions"] == nlohmann::json{{"parse", nlohmann::json::array()}});
  CHECK(b.size() == 2);
  r.hidden = [](const std::string&) { return true; };
  CHECK(webhooks::discord_body(e, r)["content"] == "ANN Nova");
  CHECK(webhooks::discord_escape("a\n\n*b*  [x](y)") == "a \\*b\\* \\[x\\]\\(y\\)");
  CHECK(webhooks::discord_escape(std::string(400, 'x')).size() == 280);
}

TEST_CASE("webhooks: target policy allows LAN and loopback, refuses link-local, metadata and our own listener") {
  std::vector<webhooks::Listener> own{{"127.0.0.1", 8085}};
  CHECK(webhooks::check_url("http://192.168.1.20:8123/api/webhook/x", own));
  CHECK(webhooks::check_url("http://127.0.0.1:9000/hook", own));
  CHECK(webhooks::check_url("https://discord.com/api/webhooks/1/abc", own));
  for (const char* bad : {"http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x", "http://100.100.100.200/",
                          "http://[fd00:ec2::254]/", "http://127.0.0.1:8085/plugins/wm/api/webhooks",
                          "http://127.0.0.2:8085/", "http://0.0.0.0/", "http://[::ffff:169.254.169.254]/"}) {
    auto r = webhooks::check_url(bad, own);
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "refused_target");
  }
  for (const char* bad : {"ftp://x/", "http://user:pw@host/", "http:///x", "http://h:0/", "http://h:99999/", "x"}) {
    INFO(bad);
    CHECK_FALSE(webhooks::check_url(bad, own));
  }
}
