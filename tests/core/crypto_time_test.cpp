#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "core/timeutil.h"

using namespace wm;

TEST_CASE("crypto: ct_equal") {
  CHECK(crypto::ct_equal("abc", "abc"));
  CHECK_FALSE(crypto::ct_equal("abc", "abd"));
  CHECK_FALSE(crypto::ct_equal("abc", "abcd"));
  CHECK(crypto::ct_equal("", ""));
}

TEST_CASE("crypto: random tokens are long and distinct") {
  auto a = crypto::random_token(16), b = crypto::random_token(16);
  CHECK(a != b);
  CHECK(a.size() == 22);
}

TEST_CASE("crypto: HMAC-SHA256 known answer (RFC 4231 case 2)") {
  CHECK(crypto::hex(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("time: RFC 3339 with 0-9 fraction digits and offsets becomes UTC") {
  auto a = timeutil::parse_rfc3339("2026-05-02T19:15:02.402913558Z");
  REQUIRE(a);
  CHECK(timeutil::format_rfc3339(a->unix_ns) == "2026-05-02T19:15:02.402913558Z");
  auto b = timeutil::parse_rfc3339("2026-05-02T12:15:02.4-07:00");
  REQUIRE(b);
  CHECK(timeutil::format_rfc3339(b->unix_ns) == "2026-05-02T19:15:02.4Z");
  auto c = timeutil::parse_rfc3339("2026-05-02T19:15:02+00:00");
  REQUIRE(c);
  CHECK(c->unix_ns == a->unix_ns - 402913558);
}

TEST_CASE("time: Go's zero time means unset") {
  auto z = timeutil::parse_rfc3339("0001-01-01T00:00:00Z");
  REQUIRE(z);
  CHECK(z->zero);
}

TEST_CASE("time: malformed times are rejected") {
  for (const char* bad : {"", "2026-05-02", "2026-13-02T00:00:00Z", "2026-05-02T19:15:02.1234567890Z",
                          "2026-05-02T19:15:02", "2026-05-02T19:15:02.Z", "garbage"}) {
    INFO(bad);
    CHECK_FALSE(timeutil::parse_rfc3339(bad));
  }
}
