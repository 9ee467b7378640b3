// RFC 9421 HTTP message signatures exactly as Open Payments (Rafiki, the JS SDK) uses them:
// label sig1, params keyid then created, components
//   "@method" "@target-uri" ["authorization"] ["content-digest" "content-length" "content-type"]
// where authorization is covered when the request carries one and the content-* trio when it has
// a non-empty body. Content-Digest is sha-512 over the body bytes.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "net/http_client.h"
#include "openpayments/keys.h"

namespace wm::openpayments {

using Header = net::Header;  // lib/net's, so signed requests go out through it unchanged
using Headers = net::Headers;

// First header with that name (ASCII case-insensitive), or nullptr.
const std::string* find_header(const Headers& headers, std::string_view name);

struct SignRequest {
  std::string method;               // upper case, e.g. "POST"
  std::string url;                  // absolute, already normalize_url()-ed, exactly as sent
  Headers headers;                  // what the request carries already (Accept, Authorization)
  std::optional<std::string> body;  // exact bytes sent; nullopt or "" means no body
  std::string key_id;
  int64_t created = 0;  // unix seconds
  // Digest JSON.stringify(JSON.parse(body)) instead of the body, as the reference createHeaders()
  // does. Only for reproducing the reference's quirk vectors; never for a request you send.
  bool digest_reserialized_body = false;
  // The caller built the body with compact_json(), so the compactness re-check (a parse and a
  // re-serialisation) is skipped. Leave false for bodies from elsewhere (e.g. the CLI).
  bool body_is_compact = false;
};

struct SignedHeaders {
  Headers headers;  // to add, in order: [Content-Type,] Content-Length, Content-Digest,
                    // Signature-Input, Signature (content-* only with a body)
  std::vector<std::string> covered_components;
  std::string signature_base;  // the exact bytes signed (for debugging and tests)
};

// Errors: "invalid_request" (bad method, URL, header, key id), "non_canonical_body" (the body is
// not the JSON.stringify form servers re-create, so it could never verify), "sign_failed".
Result<SignedHeaders> sign_request(const PrivateKey& key, const SignRequest& request);

// "sha-512=:<base64 of SHA-512(body)>:"
std::string content_digest(std::string_view body);

// The one spelling to both send and sign: lower-case http(s) scheme and host, no default port,
// "/" for an empty path, query untouched, fragment dropped. Rejects userinfo, spaces, non-ASCII.
Result<std::string> normalize_url(std::string_view url);

// --- Verification, as the reference server does it (for our own tests and sandboxes). ---

struct ReceivedRequest {
  std::string method;
  std::string url;
  Headers headers;  // including Signature-Input and Signature
  std::optional<std::string> body;
};

// Error code "invalid_signature" with the reason. The content digest is checked against
// JSON.stringify(JSON.parse(body)) like Rafiki (the raw bytes when the body is not JSON).
Status verify_request(std::string_view public_raw, const ReceivedRequest& request);
// Same with a JWK; its kid must equal the keyid parameter.
Status verify_request_with_jwk(const nlohmann::json& jwk, const ReceivedRequest& request);

}  // namespace wm::openpayments
