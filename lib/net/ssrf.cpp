#include "net/ssrf.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace wm::net {

namespace {

struct V4Range {
  uint32_t base;
  int bits;
};

constexpr uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

constexpr V4Range kBlockedV4[] = {
    {ip4(0, 0, 0, 0), 8},        // "this network", unspecified
    {ip4(10, 0, 0, 0), 8},       // private
    {ip4(100, 64, 0, 0), 10},    // CGNAT
    {ip4(127, 0, 0, 0), 8},      // loopback
    {ip4(169, 254, 0, 0), 16},   // link-local (cloud metadata)
    {ip4(172, 16, 0, 0), 12},    // private
    {ip4(192, 0, 0, 0), 24},     // IETF protocol assignments
    {ip4(192, 0, 2, 0), 24},     // TEST-NET-1
    {ip4(192, 88, 99, 0), 24},   // 6to4 relay anycast (deprecated)
    {ip4(192, 168, 0, 0), 16},   // private
    {ip4(198, 18, 0, 0), 15},    // benchmarking
    {ip4(198, 51, 100, 0), 24},  // TEST-NET-2
    {ip4(203, 0, 113, 0), 24},   // TEST-NET-3
    {ip4(224, 0, 0, 0), 4},      // multicast
    {ip4(240, 0, 0, 0), 4},      // reserved, includes broadcast 255.255.255.255
};

bool in_v4(uint32_t a, const V4Range& r) {
  uint32_t mask = r.bits == 0 ? 0 : ~uint32_t{0} << (32 - r.bits);
  return (a & mask) == (r.base & mask);
}

bool prefix_is(const std::array<uint8_t, 16>& a, std::initializer_list<uint8_t> bytes, int bits) {
  std::array<uint8_t, 16> p{};
  std::copy(bytes.begin(), bytes.end(), p.begin());
  for (int i = 0; i < bits; ++i) {
    int byte = i / 8, bit = 7 - i % 8;
    if (((a[byte] >> bit) & 1) != ((p[byte] >> bit) & 1)) return false;
  }
  return true;
}

uint32_t v4_at(const std::array<uint8_t, 16>& a, int offset) {
  return (uint32_t{a[offset]} << 24) | (uint32_t{a[offset + 1]} << 16) |
         (uint32_t{a[offset + 2]} << 8) | uint32_t{a[offset + 3]};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return lower(host);
}

}  // namespace

bool is_public_ipv4(uint32_t address) {
  return std::none_of(std::begin(kBlockedV4), std::end(kBlockedV4),
                      [&](const V4Range& r) { return in_v4(address, r); });
}

bool is_public_ipv6(const std::array<uint8_t, 16>& a) {
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible; also :: and ::1), 64:ff9b::/96 (NAT64).
  if (prefix_is(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96)) return is_public_ipv4(v4_at(a, 12));
  if (prefix_is(a, {}, 96)) return is_public_ipv4(v4_at(a, 12));
  if (prefix_is(a, {0, 0x64, 0xff, 0x9b}, 96)) return is_public_ipv4(v4_at(a, 12));
  // Only global unicast 2000::/3 can be public. This blocks ::/8 leftovers, 64:ff9b:1::/48,
  // 100::/64 discard, fc00::/7 unique-local, fe80::/10 link-local, fec0::/10, ff00::/8 multicast.
  if (!prefix_is(a, {0x20}, 3)) return false;
  if (prefix_is(a, {0x20, 0x02}, 16)) return is_public_ipv4(v4_at(a, 2));  // 6to4
  if (prefix_is(a, {0x20, 0x01, 0x0d, 0xb8}, 32)) return false;            // documentation
  if (prefix_is(a, {0x3f, 0xff}, 20)) return false;                        // documentation (RFC 9637)
  if (prefix_is(a, {0x20, 0x01, 0, 0}, 32)) return false;                  // Teredo
  if (prefix_is(a, {0x20, 0x01, 0, 0x02, 0, 0}, 48)) return false;         // benchmarking
  if (prefix_is(a, {0x20, 0x01, 0, 0x10}, 28)) return false;               // ORCHID
  if (prefix_is(a, {0x20, 0x01, 0, 0x20}, 28)) return false;               // ORCHIDv2
  if (prefix_is(a, {0x5f, 0x00}, 16)) return false;                        // SRv6 SIDs
  return true;
}

bool is_public_sockaddr(const sockaddr* address, socklen_t length) {
  if (!address) return false;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, address, sizeof in);
    return is_public_ipv4(ntohl(in.sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, address, sizeof in6);
    std::array<uint8_t, 16> a{};
    std::memcpy(a.data(), &in6.sin6_addr, 16);
    return is_public_ipv6(a);
  }
  return false;
}

std::optional<bool> is_public_ip(std::string_view text) {
  std::string host = strip_brackets(text);
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return is_public_ipv4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    std::array<uint8_t, 16> a{};
    std::memcpy(a.data(), &v6, 16);
    return is_public_ipv6(a);
  }
  return std::nullopt;
}

Result<std::vector<DevHost>> parse_dev_hosts(std::string_view text) {
  std::vector<DevHost> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view entry = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (entry.empty()) continue;
    auto bad = [&] {
      std::string msg = "dev host must be host:port, got \"";
      msg.append(entry).append("\"");
      return Error{"invalid_dev_hosts", msg};
    };
    size_t colon = entry.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return bad();
    std::string_view host = entry.substr(0, colon), port_text = entry.substr(colon + 1);
    if (host.front() == '[' ? host.back() != ']' : host.find(':') != std::string_view::npos)
      return bad();
    int port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 1 || port > 65535)
      return bad();
    DevHost h{strip_brackets(host), port};
    if (h.host.empty()) return bad();
    out.push_back(std::move(h));
  }
  return out;
}

bool is_dev_host(const std::vector<DevHost>& hosts, std::string_view host, int port) {
  std::string h = strip_brackets(host);
  return std::any_of(hosts.begin(), hosts.end(),
                     [&](const DevHost& d) { return d.port == port && d.host == h; });
}

}  // namespace wm::net
