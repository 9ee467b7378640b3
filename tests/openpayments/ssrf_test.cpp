#include "net/ssrf.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <cstring>

using namespace wm::net;

namespace {
bool pub(const char* text) {
  auto r = is_public_ip(text);
  REQUIRE(r.has_value());
  return *r;
}
}  // namespace

TEST_CASE("openpayments: ssrf blocks IPv4 loopback") {
  CHECK_FALSE(pub("127.0.0.1"));
  CHECK_FALSE(pub("127.255.255.254"));
}

TEST_CASE("openpayments: ssrf blocks IPv4 private ranges") {
  for (const char* a : {"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.1",
                        "192.168.255.255"})
    CHECK_FALSE(pub(a));
  CHECK(pub("172.15.255.255"));
  CHECK(pub("172.32.0.1"));
}

TEST_CASE("openpayments: ssrf blocks IPv4 link-local and CGNAT") {
  CHECK_FALSE(pub("169.254.169.254"));
  CHECK_FALSE(pub("100.64.0.1"));
  CHECK_FALSE(pub("100.127.255.255"));
  CHECK(pub("100.63.255.255"));
  CHECK(pub("100.128.0.1"));
}

TEST_CASE("openpayments: ssrf blocks IPv4 multicast, unspecified, broadcast and reserved") {
  for (const char* a : {"224.0.0.1", "239.255.255.255", "0.0.0.0", "0.1.2.3", "255.255.255.255",
                        "240.0.0.1", "250.1.1.1"})
    CHECK_FALSE(pub(a));
}

TEST_CASE("openpayments: ssrf blocks IPv4 special-purpose and documentation ranges") {
  for (const char* a : {"192.0.0.8", "198.18.0.1", "198.19.255.255", "192.0.2.1", "198.51.100.7",
                        "203.0.113.9"})
    CHECK_FALSE(pub(a));
  CHECK(pub("198.20.0.1"));
}

TEST_CASE("openpayments: ssrf allows public IPv4 addresses") {
  for (const char* a : {"1.1.1.1", "8.8.8.8", "93.184.216.34", "151.101.1.69"}) CHECK(pub(a));
}

TEST_CASE("openpayments: ssrf blocks IPv6 loopback, unspecified, link-local, ULA and multicast") {
  for (const char* a : {"::1", "::", "fe80::1", "febf::1", "fc00::1", "fd12:3456::1", "ff02::1",
                        "ff0e::1", "[::1]"})
    CHECK_FALSE(pub(a));
}

TEST_CASE("openpayments: ssrf blocks IPv6 documentation and special ranges") {
  for (const char* a : {"2001:db8::1", "3fff::1", "2001::1", "2001:2::1", "100::1", "64:ff9b:1::1"})
    CHECK_FALSE(pub(a));
}

TEST_CASE("openpayments: ssrf checks the IPv4 inside IPv4-mapped IPv6") {
  CHECK_FALSE(pub("::ffff:127.0.0.1"));
  CHECK_FALSE(pub("::ffff:10.1.2.3"));
  CHECK_FALSE(pub("::ffff:169.254.169.254"));
  CHECK(pub("::ffff:8.8.8.8"));
}

TEST_CASE("openpayments: ssrf checks the IPv4 inside IPv4-compatible and NAT64 addresses") {
  CHECK_FALSE(pub("::127.0.0.1"));
  CHECK_FALSE(pub("::192.168.1.1"));
  CHECK_FALSE(pub("64:ff9b::10.0.0.1"));
  CHECK_FALSE(pub("64:ff9b::7f00:1"));
  CHECK(pub("64:ff9b::8.8.8.8"));
}

TEST_CASE("openpayments: ssrf checks the IPv4 inside 6to4 addresses") {
  CHECK_FALSE(pub("2002:7f00:0001::1"));   // 127.0.0.1
  CHECK_FALSE(pub("2002:c0a8:0101::1"));   // 192.168.1.1
  CHECK(pub("2002:0808:0808::1"));         // 8.8.8.8
}

TEST_CASE("openpayments: ssrf allows public IPv6 addresses") {
  for (const char* a : {"2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001:82a::200e"})
    CHECK(pub(a));
}

TEST_CASE("openpayments: ssrf decides on sockaddr structures") {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
  CHECK_FALSE(is_public_sockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof v4));
  inet_pton(AF_INET, "8.8.4.4", &v4.sin_addr);
  CHECK(is_public_sockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof v4));
  CHECK_FALSE(is_public_sockaddr(reinterpret_cast<sockaddr*>(&v4), 4));

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:192.168.0.1", &v6.sin6_addr);
  CHECK_FALSE(is_public_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof v6));
  inet_pton(AF_INET6, "2606:4700:4700::1111", &v6.sin6_addr);
  CHECK(is_public_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof v6));
  CHECK_FALSE(is_public_sockaddr(nullptr, 0));
}

TEST_CASE("openpayments: ssrf text check rejects non-IP text") {
  CHECK_FALSE(is_public_ip("wallet.example").has_value());
  CHECK_FALSE(is_public_ip("1.2.3").has_value());
}

TEST_CASE("openpayments: dev host list parses host:port entries") {
  auto r = parse_dev_hosts(" localhost:3000, 127.0.0.1:4000,[::1]:8080 ,Wallet.Local:443");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 4);
  CHECK((*r)[0] == DevHost{"localhost", 3000});
  CHECK((*r)[2] == DevHost{"::1", 8080});
  CHECK((*r)[3] == DevHost{"wallet.local", 443});
  CHECK(is_dev_host(*r, "LOCALHOST", 3000));
  CHECK(is_dev_host(*r, "[::1]", 8080));
  CHECK_FALSE(is_dev_host(*r, "localhost", 3001));
  CHECK(parse_dev_hosts("").ok());
  CHECK(parse_dev_hosts("")->empty());
}

TEST_CASE("openpayments: dev host list rejects malformed entries") {
  for (const char* bad : {"localhost", "localhost:", ":80", "host:0", "host:70000", "host:12ab", "::1:80"}) {
    auto r = parse_dev_hosts(bad);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.error().code == "invalid_dev_hosts");
  }
}
