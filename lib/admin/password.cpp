#include "admin/password.h"

#include <openssl/evp.h>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/crypto.h"

namespace wm::admin {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;
constexpr uint64_t kMaxLog2N = 20;
constexpr uint64_t kMaxRTimesP = 32;
constexpr uint64_t kMaxMemory = 256ull << 20;  // bytes, by the 128 * r * n * p estimate
// OpenSSL needs 128*r*(n+2) + 128*r*p bytes; 128*r*n*p bounds that except for a few KiB that
// the margin covers (r * p <= 32).
constexpr uint64_t kMemMargin = 1ull << 20;

// Cheap checks first, each bounding the next product so nothing overflows.
bool params_ok(uint64_t log2n, uint64_t r, uint64_t p) {
  if (log2n < 1 || log2n > kMaxLog2N) return false;
  if (r < 1 || p < 1 || r > kMaxRTimesP || p > kMaxRTimesP || r * p > kMaxRTimesP) return false;
  return 128 * r * (uint64_t{1} << log2n) * p <= kMaxMemory;
}

std::optional<uint64_t> log2_exact(uint64_t n) {
  if (n < 2 || (n & (n - 1)) != 0) return std::nullopt;
  uint64_t k = 0;
  while ((uint64_t{1} << k) != n) ++k;
  return k;
}

std::string derive(std::string_view password, std::string_view salt, uint64_t n, uint64_t r,
                   uint64_t p) {
  std::string key(kKeyBytes, '\0');
  const uint64_t maxmem = 128 * r * n * p + kMemMargin;
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n, r, p,
                     maxmem, reinterpret_cast<unsigned char*>(key.data()), key.size()) != 1) {
    return {};
  }
  return key;
}

// Strict decimal: digits only, no sign, no leading zero, at most 3 digits.
std::optional<uint64_t> parse_small(std::string_view s) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// base64url without padding, and only the canonical spelling of the decoded bytes.
std::optional<std::string> decode_canonical(std::string_view s) {
  auto raw = crypto::unbase64(s);
  if (!raw || crypto::base64url(*raw) != s) return std::nullopt;
  return raw;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

}  // namespace

std::string hash_password(std::string_view password, const ScryptParams& params) {
  auto log2n = log2_exact(params.n);
  if (!log2n || !params_ok(*log2n, params.r, params.p)) {
    throw std::invalid_argument("scrypt parameters out of range");
  }
  const std::string salt = crypto::random_bytes(kSaltBytes);
  const std::string key = derive(password, salt, params.n, params.r, params.p);
  if (key.empty()) throw std::runtime_error("scrypt failed");
  return "scrypt$" + std::to_string(*log2n) + "$" + std::to_string(params.r) + "$" +
         std::to_string(params.p) + "$" + crypto::base64url(salt) + "$" + crypto::base64url(key);
}

bool verify_password(std::string_view password, std::string_view encoded) {
  if (encoded.size() > 256) return false;
  const auto parts = split(encoded, '$');
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  auto log2n = parse_small(parts[1]), r = parse_small(parts[2]), p = parse_small(parts[3]);
  if (!log2n || !r || !p || !params_ok(*log2n, *r, *p)) return false;
  auto salt = decode_canonical(parts[4]);
  auto expected = decode_canonical(parts[5]);
  if (!salt || !expected || salt->size() != kSaltBytes || expected->size() != kKeyBytes) return false;
  const std::string key = derive(password, *salt, uint64_t{1} << *log2n, *r, *p);
  if (key.empty()) return false;
  return crypto::ct_equal(key, *expected);
}

}  // namespace wm::admin
