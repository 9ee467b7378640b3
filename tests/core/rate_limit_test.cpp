#include "core/rate_limit.h"

#include <catch2/catch.hpp>

#include <string>

using namespace wm;

TEST_CASE("rate limit: a key gets `limit` hits per window, then a retry time") {
  RateLimiter r(60);
  int retry = 0;
  for (int i = 0; i < 3; ++i) CHECK_FALSE(r.limited("ip/10.0.0.1", 3, retry));
  CHECK(r.limited("ip/10.0.0.1", 3, retry));
  CHECK(retry >= 1);
  CHECK(retry <= 60);
  // Other keys have their own count.
  CHECK_FALSE(r.limited("ip/10.0.0.2", 3, retry));
}

TEST_CASE("rate limit: a limit of zero or less never limits") {
  RateLimiter r(60);
  int retry = 0;
  for (int i = 0; i < 100; ++i) CHECK_FALSE(r.limited("k", 0, retry));
  CHECK_FALSE(r.limited("k", -1, retry));
}

TEST_CASE("rate limit: a flood of distinct keys stays bounded and restarts the windows") {
  RateLimiter r(60, 4);
  int retry = 0;
  CHECK_FALSE(r.limited("a", 1, retry));
  CHECK(r.limited("a", 1, retry));
  for (const char* k : {"b", "c", "d"}) CHECK_FALSE(r.limited(k, 1, retry));
  CHECK_FALSE(r.limited("e", 1, retry));  // the table was full: every window restarted
  CHECK_FALSE(r.limited("a", 1, retry));
}
