#include "openpayments/keys.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/json.h"
#include "core/crypto.h"

namespace wm::openpayments {
namespace {

constexpr size_t kMaxKeyText = 64 * 1024;

Error invalid_key(std::string message) {
  ERR_clear_error();  // leave no stale OpenSSL errors behind
  return Error{"invalid_key", std::move(message)};
}

Error io_error(const std::string& what, const std::string& path) {
  return Error{"io_error", what + " " + path + ": " + std::strerror(errno)};
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using CtxPtr = std::unique_ptr<EVP_MD_CTX, CtxFree>;

// Never prompt on a terminal for an encrypted key's passphrase.
int no_passphrase(char*, int, int, void*) { return 0; }

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// PEM readers skip text before the armour (e.g. "Bag Attributes" lines from openssl pkcs12).
bool is_pem(std::string_view s) { return s.find("-----BEGIN ") != std::string_view::npos; }

std::string pkcs8_pem(EVP_PKEY* pkey) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return ::fsync(fd) == 0;
}

}  // namespace

void PrivateKey::Free::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

Result<PrivateKey> PrivateKey::from_pem(std::string_view text) {
  if (text.size() > kMaxKeyText) return invalid_key("private key text is too large");
  std::string pem(trim(text));
  if (!is_pem(pem)) {
    std::string compact;
    for (char c : pem)
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact.push_back(c);
    auto decoded = crypto::unbase64(compact);
    if (!decoded || !is_pem(trim(*decoded)))
      return invalid_key("private key is neither PEM nor base64 of PEM");
    pem.assign(trim(*decoded));
    OPENSSL_cleanse(decoded->data(), decoded->size());
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* raw =
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr;
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!raw) return invalid_key("private key PEM could not be parsed (or is encrypted)");
  PrivateKey key(raw);
  int id = EVP_PKEY_get_base_id(raw);
  if (id != EVP_PKEY_ED25519) {
    const char* name = id == NID_undef ? "unknown" : OBJ_nid2sn(id);
    return invalid_key(std::string("expected an Ed25519 private key, got ") + name);
  }
  return key;
}

Result<PrivateKey> PrivateKey::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot open key file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  auto key = from_pem(text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!key) return Error{key.error().code, "key file " + path + ": " + key.error().message};
  return key;
}

Result<PrivateKey> PrivateKey::generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!raw) return invalid_key("Ed25519 key generation failed");
  return PrivateKey(raw);
}

Status PrivateKey::write_pem_file(const std::string& path, bool overwrite) const {
  std::string pem = pkcs8_pem(pkey_.get());
  if (pem.empty()) return invalid_key("cannot encode private key as PEM");
  // Overwrite goes through a fresh 0600 temp file and rename, so an old file's mode never leaks.
  std::string target = overwrite ? path + ".tmp-" + crypto::hex(crypto::random_bytes(6)) : path;
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    OPENSSL_cleanse(pem.data(), pem.size());
    if (errno == EEXIST && !overwrite) return Error{"already_exists", "key file exists: " + path};
    return io_error("cannot create key file", target);
  }
  bool written = write_all(fd, pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  int saved = errno;
  ::close(fd);
  if (!written || (overwrite && ::rename(target.c_str(), path.c_str()) != 0)) {
    if (written) saved = errno;
    ::unlink(target.c_str());
    errno = saved;
    return io_error("cannot write key file", path);
  }
  return ok_status();
}

std::string PrivateKey::public_raw() const {
  std::string out(32, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(pkey_.get(), reinterpret_cast<unsigned char*>(out.data()),
                                  &len) != 1)
    return {};
  out.resize(len);
  return out;
}

nlohmann::json PrivateKey::public_jwk(const std::string& kid) const {
  return {{"kid", kid},
          {"alg", "EdDSA"},
          {"kty", "OKP"},
          {"crv", "Ed25519"},
          {"x", crypto::base64url(public_raw())},
          {"use", "sig"}};
}

PrivateKey::PrivateKey(EVP_PKEY* p) : pkey_(p) {
  EVP_MD_CTX* t = EVP_MD_CTX_new();
  if (t && EVP_DigestSignInit(t, nullptr, nullptr, nullptr, pkey_.get()) == 1) {
    sign_template_.reset(t, EVP_MD_CTX_free);
  } else {
    EVP_MD_CTX_free(t);
    ERR_clear_error();
  }
}

Result<std::string> PrivateKey::sign(std::string_view data) const {
  CtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t len = sig.size();
  // Copying only reads the template, so concurrent sign() calls are safe.
  bool ready = ctx && (sign_template_ ? EVP_MD_CTX_copy_ex(ctx.get(), sign_template_.get()) == 1
                                      : EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) == 1);
  if (!ready ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      len != 64) {
    ERR_clear_error();
    return Error{"sign_failed", "Ed25519 signing failed"};
  }
  return sig;
}

Result<std::string> public_key_from_jwk(const nlohmann::json& jwk) {
  auto str = [&](const char* k) { return json_util::str(jwk, k); };
  if (!jwk.is_object() || str("kty") != "OKP" || str("crv") != "Ed25519")
    return invalid_key("JWK is not an OKP Ed25519 key");
  if (jwk.contains("alg") && str("alg") != "EdDSA") return invalid_key("JWK alg is not EdDSA");
  auto raw = crypto::unbase64(str("x"));
  if (!raw || raw->size() != 32) return invalid_key("JWK x is not a 32-byte base64url key");
  return *raw;
}

bool verify_ed25519(std::string_view public_raw, std::string_view data,
                    std::string_view signature) {
  if (public_raw.size() != 32 || signature.size() != 64) return false;
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                  reinterpret_cast<const unsigned char*>(public_raw.data()), 32),
      EVP_PKEY_free);
  CtxPtr ctx(EVP_MD_CTX_new());
  bool ok =
      pkey && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), 64,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace wm::openpayments
