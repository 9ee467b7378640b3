#include "openpayments/signature.h"

#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "openpayments/compact_json.h"
#include "openpayments/keys.h"
#include "openpayments/vectors.h"

using namespace wm::openpayments;
using nlohmann::ordered_json;
using wm::test::headers_of;
using wm::test::load_vectors;
using wm::test::sign_request_of;

namespace {

PrivateKey vector_key(const ordered_json& v) {
  auto key = PrivateKey::from_pem(v["key"]["private_key_pem_pkcs8"].get<std::string>());
  REQUIRE(key.ok());
  return std::move(key).value();
}

// Compares a signing result with a vector's `expected`, every string byte for byte.
void check_expected(const SignRequest& req, const SignedHeaders& s, const ordered_json& e) {
  CHECK(s.signature_base == e["signature_base"].get<std::string>());
  CHECK(wm::crypto::hex(wm::crypto::sha256(s.signature_base)) ==
        e["signature_base_sha256_hex"].get<std::string>());
  CHECK(s.covered_components == e["covered_components"].get<std::vector<std::string>>());
  auto header = [&](const char* name) -> ordered_json {
    const std::string* v = find_header(s.headers, name);
    return v ? ordered_json(*v) : ordered_json(nullptr);
  };
  CHECK(header("Content-Digest") == e["content_digest"]);
  CHECK(header("Content-Length") == e["content_length"]);
  CHECK(header("Content-Type") == e["content_type"]);
  CHECK(header("Signature-Input") == e["signature_input"]);
  CHECK(header("Signature") == e["signature"]);
  CHECK(e["signature_input"].get<std::string>() ==
        "sig1=" + e["signature_params"].get<std::string>());
  std::vector<std::pair<std::string, std::string>> sent, expected;
  for (const auto& h : req.headers) sent.emplace_back(h.name, h.value);
  for (const auto& h : s.headers) sent.emplace_back(h.name, h.value);
  for (const auto& h : headers_of(e["headers_to_send"])) expected.emplace_back(h.name, h.value);
  CHECK(sent == expected);
}

ReceivedRequest received_of(const SignRequest& req, const SignedHeaders& s) {
  ReceivedRequest r{req.method, req.url, req.headers, req.body};
  r.headers.insert(r.headers.end(), s.headers.begin(), s.headers.end());
  return r;
}

}  // namespace

TEST_CASE("openpayments: signer reproduces every signature vector byte for byte") {
  auto v = load_vectors("http-signatures.json");
  auto key = vector_key(v);
  REQUIRE(v["cases"].size() >= 12);
  for (const auto& c : v["cases"]) {
    DYNAMIC_SECTION(c["name"].get<std::string>()) {
      auto req = sign_request_of(c["input"]);
      auto signed_ = sign_request(key, req);
      REQUIRE(signed_.ok());
      check_expected(req, *signed_, c["expected"]);
      CHECK(c["expected"]["content_digest_input"] == c["input"]["body"]);
    }
  }
}

TEST_CASE("openpayments: every signature vector verifies with the public JWK") {
  auto v = load_vectors("http-signatures.json");
  auto key = vector_key(v);
  nlohmann::json jwk = v["key"]["public_jwk"];
  CHECK(key.public_jwk("owncast-wm-test-key-1") == jwk);
  for (const auto& c : v["cases"]) {
    DYNAMIC_SECTION(c["name"].get<std::string>()) {
      auto req = sign_request_of(c["input"]);
      ReceivedRequest r{req.method, req.url, headers_of(c["expected"]["headers_to_send"]),
                        req.body};
      auto st = verify_request_with_jwk(jwk, r);
      CHECK(st.ok());
    }
  }
}

TEST_CASE("openpayments: quirk vectors refuse to sign but reproduce in reference digest mode") {
  auto v = load_vectors("http-signatures.json");
  auto key = vector_key(v);
  REQUIRE(v["quirk_cases"].size() >= 2);
  for (const auto& c : v["quirk_cases"]) {
    DYNAMIC_SECTION(c["name"].get<std::string>()) {
      auto req = sign_request_of(c["input"]);
      auto refused = sign_request(key, req);
      REQUIRE_FALSE(refused.ok());
      CHECK(refused.error().code == "non_canonical_body");
      CHECK(js_reserialize(*req.body) == c["expected"]["content_digest_input"].get<std::string>());
      req.digest_reserialized_body = true;
      auto signed_ = sign_request(key, req);
      REQUIRE(signed_.ok());
      check_expected(req, *signed_, c["expected"]);
      // The reference server re-serialises too, so it accepts what the reference signer sent.
      CHECK(verify_request_with_jwk(nlohmann::json(v["key"]["public_jwk"]),
                                    received_of(req, *signed_))
                .ok());
    }
  }
}

TEST_CASE("openpayments: negative signature vectors are rejected by the verifier") {
  auto v = load_vectors("http-signatures.json");
  nlohmann::json jwk = v["key"]["public_jwk"];
  REQUIRE(v["negative_cases"].size() >= 7);
  for (const auto& c : v["negative_cases"]) {
    DYNAMIC_SECTION(c["name"].get<std::string>()) {
      const auto& in = c["request"];
      ReceivedRequest r{in["method"], in["url"], headers_of(in["headers"]),
                        in["body"].is_null()
                            ? std::nullopt
                            : std::optional<std::string>(in["body"].get<std::string>())};
      CHECK_FALSE(c["expected_valid"].get<bool>());
      auto st = verify_request_with_jwk(jwk, r);
      REQUIRE_FALSE(st.ok());
      CHECK(st.error().code == "invalid_signature");
    }
  }
}

TEST_CASE("openpayments: signed request roundtrips with a generated key and rejects another kid") {
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  SignRequest req{"POST",
                  "https://wallet.example/alice/quotes",
                  {{"Authorization", "GNAP TOKEN"}},
                  R"({"method":"ilp"})",
                  "k1",
                  1767225600};
  auto s = sign_request(*key, req);
  REQUIRE(s.ok());
  CHECK(verify_request_with_jwk(key->public_jwk("k1"), received_of(req, *s)).ok());
  CHECK_FALSE(verify_request_with_jwk(key->public_jwk("k2"), received_of(req, *s)).ok());
  auto other = PrivateKey::generate();
  REQUIRE(other.ok());
  CHECK_FALSE(verify_request(other->public_raw(), received_of(req, *s)).ok());
}

TEST_CASE("openpayments: an empty body is no body and gets no content components") {
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  SignRequest req{"POST",
                  "https://auth.wallet.example/token/1",
                  {{"Authorization", "GNAP T"}},
                  std::string(),
                  "k",
                  1};
  auto s = sign_request(*key, req);
  REQUIRE(s.ok());
  CHECK(s->covered_components ==
        std::vector<std::string>{"@method", "@target-uri", "authorization"});
  CHECK(find_header(s->headers, "content-digest") == nullptr);
  CHECK(s->headers.size() == 2);
}

TEST_CASE("openpayments: signer refuses requests that could not verify") {
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  SignRequest good{"POST", "https://wallet.example/x", {}, std::string("{}"), "k", 1};
  REQUIRE(sign_request(*key, good).ok());
  auto refused = [&](SignRequest r) {
    auto s = sign_request(*key, r);
    return s.ok() ? std::string("signed") : s.error().code;
  };
  SignRequest r = good;
  r.body = "{ }";
  CHECK(refused(r) == "non_canonical_body");
  r = good;
  r.body = R"({"a":"\u00e9"})";
  CHECK(refused(r) == "non_canonical_body");
  r = good;
  r.method = "post";
  CHECK(refused(r) == "invalid_request");
  r = good;
  r.url = "https://wallet.example:443/x";
  CHECK(refused(r) == "invalid_request");
  r = good;
  r.key_id = "a\"b";
  CHECK(refused(r) == "invalid_request");
  r = good;
  r.headers = {{"Authorization", "GNAP a\r\nX-Evil: 1"}};
  CHECK(refused(r) == "invalid_request");
  r = good;
  r.headers = {{"Content-Digest", "sha-256=:x:"}};
  CHECK(refused(r) == "invalid_request");
  r = good;
  r.headers = {{"content-type", "text/plain"}};
  CHECK(refused(r) == "invalid_request");
  r = good;
  r.headers = {{"Authorization", "GNAP a"}, {"authorization", "GNAP b"}};
  CHECK(refused(r) == "invalid_request");
}

TEST_CASE("openpayments: a caller-set Content-Type is reused, not repeated") {
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  SignRequest req{"POST",
                  "https://wallet.example/x",
                  {{"content-type", "application/json"}},
                  std::string("{}"),
                  "k",
                  1};
  auto s = sign_request(*key, req);
  REQUIRE(s.ok());
  CHECK(find_header(s->headers, "Content-Type") == nullptr);
  CHECK(s->signature_base.find("\"content-type\": application/json\n") != std::string::npos);
  CHECK(verify_request(key->public_raw(), received_of(req, *s)).ok());
}

TEST_CASE("openpayments: content digest is sha-512 over the exact bytes") {
  CHECK(content_digest("{}") ==
        "sha-512=:J8dGcK23UHX60FjVzq97IMTneGyDuuijL2Jvl4KvNMmjPCBG72D9Knh403jin+"
        "yFGAa72aZ4ePOp8c2kgwdj/Q==:");
}

TEST_CASE("openpayments: normalize_url gives the one spelling to send and sign") {
  auto n = [](std::string_view u) {
    auto r = normalize_url(u);
    return r.ok() ? *r : "ERR:" + r.error().code;
  };
  CHECK(n("https://wallet.example/alice") == "https://wallet.example/alice");
  CHECK(n("HTTPS://Wallet.Example:443/Alice?A=%2F#frag") == "https://wallet.example/Alice?A=%2F");
  CHECK(n("http://127.0.0.1:80") == "http://127.0.0.1/");
  CHECK(n("http://127.0.0.1:8080?x=1") == "http://127.0.0.1:8080/?x=1");
  CHECK(n("https://[::1]:8443/p") == "https://[::1]:8443/p");
  CHECK(n("https://[::1]/p") == "https://[::1]/p");
  CHECK(n("ftp://wallet.example/") == "ERR:invalid_request");
  CHECK(n("wallet.example/alice") == "ERR:invalid_request");
  CHECK(n("https://user:pw@wallet.example/") == "ERR:invalid_request");
  CHECK(n("https://wallet.example/a b") == "ERR:invalid_request");
  CHECK(n("https://wallet.example:99999/") == "ERR:invalid_request");
  CHECK(n("https://wallet.example:x/") == "ERR:invalid_request");
  CHECK(n("https:///path") == "ERR:invalid_request");
}
