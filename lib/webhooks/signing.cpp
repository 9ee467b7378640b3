#include "webhooks/signing.h"

#include <charconv>

#include "core/crypto.h"

namespace wm::webhooks {

std::string generate_secret() { return "whsec_" + crypto::base64(crypto::random_bytes(kSecretBytes)); }

Result<std::string> secret_key(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.substr(0, kPrefix.size()) == kPrefix) secret.remove_prefix(kPrefix.size());
  auto raw = crypto::unbase64(secret);
  if (!raw || raw->empty()) return Error{"invalid_secret", "the secret must be whsec_ followed by base64"};
  return *raw;
}

Result<std::string> sign(std::string_view secret, std::string_view id, int64_t timestamp_s, std::string_view body) {
  auto key = secret_key(secret);
  if (!key) return key.error();
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(".").append(std::to_string(timestamp_s)).append(".").append(body);
  return "v1," + crypto::base64(crypto::hmac_sha256(*key, content));
}

Result<std::string> signature_header(const std::vector<std::string>& secrets, std::string_view id,
                                     int64_t timestamp_s, std::string_view body) {
  std::string out;
  for (const auto& s : secrets) {
    auto one = sign(s, id, timestamp_s, body);
    if (!one) return one.error();
    if (!out.empty()) out += ' ';
    out += *one;
  }
  return out;
}

Status verify(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view header,
              std::string_view body, int64_t now_s) {
  int64_t ts = 0;
  auto [p, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (timestamp.empty() || ec != std::errc() || p != timestamp.data() + timestamp.size())
    return Error{"invalid_timestamp", "webhook-timestamp must be unix seconds"};
  if (now_s != 0 && (ts < now_s - kToleranceS || ts > now_s + kToleranceS))
    return Error{"stale_timestamp", "webhook-timestamp is more than 5 minutes away from now"};
  auto expected = sign(secret, id, ts, body);
  if (!expected) return expected.error();
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(' ', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view entry = header.substr(pos, end - pos);
    if (entry.substr(0, 3) == "v1," && crypto::ct_equal(entry, *expected)) return ok_status();
    pos = end + 1;
  }
  return Error{"no_match", "no v1 signature in webhook-signature matches this secret"};
}

}  // namespace wm::webhooks
