#include "openpayments/keys.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "openpayments/vectors.h"

using namespace wm::openpayments;
using wm::Result;
using wm::test::load_vectors;

namespace {

std::string vector_pem() {
  return load_vectors("http-signatures.json")["key"]["private_key_pem_pkcs8"].get<std::string>();
}

// PKCS#8 PEM of a freshly generated key of another type ("RSA", "EC").
std::string foreign_pem(const char* type) {
  EVP_PKEY* pkey = std::string(type) == "RSA"
                       ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024})
                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  REQUIRE(pkey != nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  return pem;
}

std::string error_code(const Result<PrivateKey>& r) { return r.ok() ? "ok" : r.error().code; }

unsigned file_mode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("openpayments: key loads from PKCS#8 PEM and matches the vector JWK") {
  auto v = load_vectors("http-signatures.json");
  auto key = PrivateKey::from_pem(vector_pem());
  REQUIRE(key.ok());
  CHECK(key->public_jwk("owncast-wm-test-key-1") == nlohmann::json(v["key"]["public_jwk"]));
  CHECK(key->public_raw().size() == 32);
  auto with_preamble =
      PrivateKey::from_pem("Bag Attributes\n    friendlyName: op\n" + vector_pem());
  REQUIRE(with_preamble.ok());
  CHECK(with_preamble->public_raw() == key->public_raw());
}

TEST_CASE("openpayments: key loads from base64 of the PEM text, wrapped or not") {
  auto v = load_vectors("http-signatures.json");
  auto b64 = v["key"]["private_key_pem_base64"].get<std::string>();
  auto expected = PrivateKey::from_pem(vector_pem());
  REQUIRE(expected.ok());
  auto key = PrivateKey::from_pem(b64);
  REQUIRE(key.ok());
  CHECK(key->public_raw() == expected->public_raw());
  std::string wrapped = "  " + b64.substr(0, 40) + "\n" + b64.substr(40) + "\n";
  auto again = PrivateKey::from_pem(wrapped);
  REQUIRE(again.ok());
  CHECK(again->public_raw() == expected->public_raw());
}

TEST_CASE("openpayments: RSA and EC keys are rejected without echoing key material") {
  for (const char* type : {"RSA", "EC"}) {
    DYNAMIC_SECTION(type) {
      std::string pem = foreign_pem(type);
      for (const auto& text : {pem, wm::crypto::base64(pem)}) {
        auto key = PrivateKey::from_pem(text);
        REQUIRE_FALSE(key.ok());
        CHECK(key.error().code == "invalid_key");
        CHECK(key.error().message.find("Ed25519") != std::string::npos);
        CHECK(key.error().message.find(pem.substr(40, 20)) == std::string::npos);
      }
    }
  }
}

TEST_CASE("openpayments: garbage, public and encrypted keys are rejected") {
  CHECK(error_code(PrivateKey::from_pem("")) == "invalid_key");
  CHECK(error_code(PrivateKey::from_pem("hello world")) == "invalid_key");
  CHECK(error_code(PrivateKey::from_pem(wm::crypto::base64("not a pem"))) == "invalid_key");
  CHECK(error_code(PrivateKey::from_pem(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")) == "invalid_key");
  CHECK(error_code(PrivateKey::from_pem(
            "-----BEGIN PUBLIC "
            "KEY-----\nMCowBQYDK2VwAyEAX2Dc+AgZhs43iJ5paPr8DZ14QxGnE3iwSxpHwhmUD9I=\n"
            "-----END PUBLIC KEY-----\n")) == "invalid_key");
  CHECK(error_code(PrivateKey::from_pem(std::string(100000, 'A'))) == "invalid_key");
}

TEST_CASE("openpayments: an encrypted key fails instead of prompting for a passphrase") {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                        const_cast<char*>("secret")) == 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string enc(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  CHECK(enc.find("ENCRYPTED") != std::string::npos);
  CHECK(error_code(PrivateKey::from_pem(enc)) == "invalid_key");
}

TEST_CASE("openpayments: generated key is written with mode 0600 and reloads") {
  wm::test::TempDir dir;
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  std::string path = dir.file("private.key");
  REQUIRE(key->write_pem_file(path).ok());
  CHECK(file_mode(path) == 0600);
  CHECK(wm::test::read_file(path).rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
  auto loaded = PrivateKey::from_file(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_raw() == key->public_raw());
}

TEST_CASE("openpayments: writing a key never silently replaces an existing file") {
  wm::test::TempDir dir;
  std::string path = dir.file("private.key");
  wm::test::write_file(path, "old");
  ::chmod(path.c_str(), 0644);
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  auto st = key->write_pem_file(path);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == "already_exists");
  CHECK(wm::test::read_file(path) == "old");
  REQUIRE(key->write_pem_file(path, /*overwrite=*/true).ok());
  CHECK(file_mode(path) == 0600);
  auto loaded = PrivateKey::from_file(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_raw() == key->public_raw());
}

TEST_CASE("openpayments: loading a missing key file is an io_error") {
  wm::test::TempDir dir;
  auto key = PrivateKey::from_file(dir.file("absent.key"));
  REQUIRE_FALSE(key.ok());
  CHECK(key.error().code == "io_error");
}

TEST_CASE("openpayments: public JWK has exactly the Open Payments members") {
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  auto jwk = key->public_jwk("kid-1");
  CHECK(jwk.size() == 6);
  CHECK(jwk["kid"] == "kid-1");
  CHECK(jwk["alg"] == "EdDSA");
  CHECK(jwk["kty"] == "OKP");
  CHECK(jwk["crv"] == "Ed25519");
  CHECK(jwk["use"] == "sig");
  auto x = jwk["x"].get<std::string>();
  CHECK(x.size() == 43);
  CHECK(x.find_first_of("+/=") == std::string::npos);
  auto raw = public_key_from_jwk(jwk);
  REQUIRE(raw.ok());
  CHECK(*raw == key->public_raw());
}

TEST_CASE("openpayments: JWKs that are not Ed25519 are rejected") {
  auto bad = [](nlohmann::json j) {
    auto r = public_key_from_jwk(j);
    return r.ok() ? "ok" : r.error().code;
  };
  nlohmann::json good = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", std::string(43, 'A')}};
  CHECK(bad(good) == "ok");
  CHECK(bad(nlohmann::json::array()) == "invalid_key");
  auto j = good;
  j["crv"] = "X25519";
  CHECK(bad(j) == "invalid_key");
  j = good;
  j["x"] = "AAAA";
  CHECK(bad(j) == "invalid_key");
  j = good;
  j["alg"] = "RS256";
  CHECK(bad(j) == "invalid_key");
}

TEST_CASE("openpayments: sign and verify roundtrip with deterministic 64-byte signatures") {
  auto key = PrivateKey::generate();
  REQUIRE(key.ok());
  auto sig = key->sign("hello");
  REQUIRE(sig.ok());
  CHECK(sig->size() == 64);
  CHECK(*key->sign("hello") == *sig);
  CHECK(verify_ed25519(key->public_raw(), "hello", *sig));
  CHECK_FALSE(verify_ed25519(key->public_raw(), "hellO", *sig));
  std::string flipped = *sig;
  flipped[10] ^= 1;
  CHECK_FALSE(verify_ed25519(key->public_raw(), "hello", flipped));
  CHECK_FALSE(verify_ed25519("short", "hello", *sig));
}
