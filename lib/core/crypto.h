// Small wrappers over OpenSSL: randomness, digests, HMAC, encodings, constant-time compare.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wm::crypto {

std::string random_bytes(size_t n);         // cryptographically secure
std::string random_token(size_t bytes = 16);  // URL-safe base64 without padding

std::string sha256(std::string_view data);  // raw 32 bytes
std::string sha512(std::string_view data);  // raw 64 bytes
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes

std::string hex(std::string_view raw);
std::optional<std::string> unhex(std::string_view hex);
std::string base64(std::string_view raw);       // standard alphabet, padded
std::string base64url(std::string_view raw);    // URL-safe alphabet, no padding
std::optional<std::string> unbase64(std::string_view text);  // accepts both alphabets, padding optional

// Constant-time equality (compares SHA-256 digests, so timing reveals neither content nor length).
bool ct_equal(std::string_view a, std::string_view b);

}  // namespace wm::crypto
