#include "http/client_ip.h"

#include <catch2/catch.hpp>

using wm::http::TrustedProxies;

namespace {
TrustedProxies proxies(const char* list) {
  auto p = TrustedProxies::parse(list);
  INFO(list);
  REQUIRE(p);
  return *p;
}
}  // namespace

TEST_CASE("client ip: trusted proxy lists parse addresses and CIDR ranges") {
  auto p = proxies(" 127.0.0.1, ::1 ,10.0.0.0/8,fd00::/8, 192.168.1.0/24,");
  CHECK(p.trusted("127.0.0.1"));
  CHECK(p.trusted("::1"));
  CHECK(p.trusted("10.200.3.4"));
  CHECK(p.trusted("fd12:3456::1"));
  CHECK(p.trusted("192.168.1.254"));
  CHECK(p.trusted("::ffff:10.1.2.3"));  // IPv4-mapped is the same address
  CHECK_FALSE(p.trusted("192.168.2.1"));
  CHECK_FALSE(p.trusted("11.0.0.1"));
  CHECK_FALSE(p.trusted("fe80::1"));
  CHECK_FALSE(p.trusted("127.0.0.2"));
  CHECK_FALSE(p.trusted("not an ip"));
  CHECK_FALSE(p.trusted(""));
  CHECK(proxies("0.0.0.0/0").trusted("8.8.8.8"));
  CHECK_FALSE(proxies("").trusted("127.0.0.1"));
}

TEST_CASE("client ip: bad entries are refused naming the entry") {
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "localhost", "10.0.0.0/-1", "1.2.3"}) {
    INFO(bad);
    auto p = TrustedProxies::parse(bad);
    REQUIRE_FALSE(p);
    CHECK(p.error().code == "invalid_config");
    CHECK(p.error().message.find("--trusted-proxies") != std::string::npos);
  }
}

TEST_CASE("client ip: the right-most untrusted X-Forwarded-For entry, only from a trusted peer") {
  auto p = proxies("127.0.0.1,10.0.0.0/8");
  // Not from a proxy: the header is the client's own claim and is ignored.
  CHECK(p.client_ip("203.0.113.9", "198.51.100.1") == "203.0.113.9");
  // From the proxy: the address it appended.
  CHECK(p.client_ip("127.0.0.1", "198.51.100.1") == "198.51.100.1");
  CHECK(p.client_ip("127.0.0.1", "") == "127.0.0.1");
  // A client-forged entry on the left is skipped; chained proxies on the right too.
  CHECK(p.client_ip("127.0.0.1", "1.1.1.1, 198.51.100.1") == "198.51.100.1");
  CHECK(p.client_ip("127.0.0.1", "1.1.1.1, 198.51.100.1, 10.0.0.5") == "198.51.100.1");
  // Everything trusted: the left-most.
  CHECK(p.client_ip("127.0.0.1", "10.0.0.7, 10.0.0.5") == "10.0.0.7");
  // A malformed entry on the way: the connection's address.
  CHECK(p.client_ip("127.0.0.1", "198.51.100.1, garbage") == "127.0.0.1");
  CHECK(p.client_ip("127.0.0.1", ",") == "127.0.0.1");
  // IPv6, with or without brackets.
  CHECK(p.client_ip("127.0.0.1", "2001:db8::1") == "2001:db8::1");
  CHECK(p.client_ip("127.0.0.1", "[2001:db8::2]") == "2001:db8::2");
}
