// The Standard Webhooks signature scheme (https://www.standardwebhooks.com), our own code:
//   secret      "whsec_" + base64(key bytes); the HMAC key is the decoded bytes
//   signed      id + "." + timestamp + "." + body
//   header      webhook-signature: "v1,<base64 HMAC-SHA256>" — several space-separated entries
//               while a rotated secret overlaps the new one
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wm::webhooks {

inline constexpr size_t kSecretBytes = 32;       // >= 24 as the scheme recommends
inline constexpr int64_t kToleranceS = 5 * 60;   // verify(): timestamps this far off are refused

// "whsec_" + base64 of kSecretBytes random bytes.
std::string generate_secret();
// The HMAC key of a "whsec_..." secret (or of a bare base64 one). Errors: "invalid_secret".
Result<std::string> secret_key(std::string_view secret);
// One "v1,<base64>" entry.
Result<std::string> sign(std::string_view secret, std::string_view id, int64_t timestamp_s, std::string_view body);
// The webhook-signature header value: one entry per secret, space-separated.
Result<std::string> signature_header(const std::vector<std::string>& secrets, std::string_view id,
                                     int64_t timestamp_s, std::string_view body);

// Whether any v1 entry of `header` matches (constant-time). `now_s` = 0 skips the timestamp
// tolerance check. Errors: "invalid_secret", "invalid_timestamp", "stale_timestamp", "no_match".
Status verify(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view header,
              std::string_view body, int64_t now_s);

}  // namespace wm::webhooks
