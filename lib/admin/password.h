// Admin password hashing: salted scrypt (memory-hard) in a self-describing text encoding.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace wm::admin {

struct ScryptParams {
  uint64_t n = 1u << 15;  // CPU/memory cost, a power of two in [2, 2^20]
  uint64_t r = 8;         // block size
  uint64_t p = 1;         // parallelisation; r * p <= 32, 128 * r * n * p <= 256 MiB
};

// Salted memory-hard hash with OpenSSL's scrypt (16-byte random salt, 32-byte key):
// "scrypt$<log2 n>$<r>$<p>$<salt base64url>$<hash base64url>".
// Throws std::invalid_argument for parameters outside the limits above (the same limits
// verify_password enforces, so every hash made here can be verified).
std::string hash_password(std::string_view password, const ScryptParams& params = {});

// Re-derives with the stored parameters and compares in constant time. False for a wrong
// password and for malformed input: bad format, non-canonical base64url, a salt that is not 16
// bytes or a hash that is not 32, or parameters outside the limits (so a tampered store cannot
// make us allocate gigabytes or spin for minutes).
bool verify_password(std::string_view password, std::string_view encoded);

}  // namespace wm::admin
