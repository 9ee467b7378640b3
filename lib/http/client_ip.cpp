#include "http/client_ip.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>

namespace wm::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An IPv4 or IPv6 address (IPv4 as ::ffff:a.b.c.d; "[v6]" brackets accepted) -> 16 bytes.
std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view text) {
  text = trim(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  std::array<uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

bool is_v4(const std::array<uint8_t, 16>& a) {
  for (int i = 0; i < 10; ++i)
    if (a[i] != 0) return false;
  return a[10] == 0xff && a[11] == 0xff;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(std::string_view list) {
  TrustedProxies t;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = trim(list.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) continue;
    std::string_view addr = item;
    std::optional<int> prefix;  // none: the single address
    bool bad_prefix = false;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      addr = item.substr(0, slash);
      std::string_view bits = item.substr(slash + 1);
      int n = 0;
      auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
      bad_prefix = bits.empty() || ec != std::errc() || end != bits.data() + bits.size() || n < 0;
      prefix = n;
    }
    auto ip = parse_ip(addr);
    const int max_bits = ip && is_v4(*ip) ? 32 : 128;
    if (!ip || bad_prefix || (prefix && *prefix > max_bits))
      return Error{"invalid_config", "--trusted-proxies: '" + std::string(item.substr(0, 64)) +
                                         "' is not an IP address or CIDR range (e.g. 10.0.0.0/8)"};
    Range r;
    r.addr = *ip;
    r.prefix = !prefix ? 128 : (max_bits == 32 ? *prefix + 96 : *prefix);
    t.ranges_.push_back(r);
  }
  return t;
}

bool TrustedProxies::trusted(std::string_view ip) const {
  if (ranges_.empty()) return false;
  auto a = parse_ip(ip);
  if (!a) return false;
  for (const auto& r : ranges_) {
    int bits = r.prefix;
    bool match = true;
    for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
      const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
      if ((r.addr[i] & mask) != ((*a)[i] & mask)) {
        match = false;
        break;
      }
    }
    if (match) return true;
  }
  return false;
}

std::string TrustedProxies::client_ip(std::string_view remote_addr, std::string_view forwarded_for) const {
  if (forwarded_for.empty() || !trusted(remote_addr)) return std::string(remote_addr);
  std::string_view rest = forwarded_for;
  std::string_view last_trusted;
  while (!rest.empty()) {
    const size_t comma = rest.rfind(',');
    std::string_view item = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (!parse_ip(item)) return std::string(remote_addr);
    if (item.size() >= 2 && item.front() == '[') item = item.substr(1, item.size() - 2);
    if (!trusted(item)) return std::string(item);
    last_trusted = item;
  }
  return last_trusted.empty() ? std::string(remote_addr) : std::string(last_trusted);
}

}  // namespace wm::http
