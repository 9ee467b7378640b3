// Password hashing: format, round trip, refusal of tampered or absurd encodings.
#include "admin/password.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/crypto.h"

using wm::admin::hash_password;
using wm::admin::ScryptParams;
using wm::admin::verify_password;

namespace {

ScryptParams small() {
  ScryptParams p;
  p.n = 1u << 10;
  return p;
}

std::vector<std::string> fields(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0, at;
  while ((at = s.find('$', start)) != std::string::npos) {
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
  out.push_back(s.substr(start));
  return out;
}

std::string join(const std::vector<std::string>& f) {
  std::string out;
  for (size_t i = 0; i < f.size(); ++i) out += (i ? "$" : "") + f[i];
  return out;
}

// A syntactically valid encoding with the given parameter fields (salt and hash are real).
std::string with_params(const std::string& log2n, const std::string& r, const std::string& p) {
  auto f = fields(hash_password("correct horse", small()));
  f[1] = log2n;
  f[2] = r;
  f[3] = p;
  return join(f);
}

}  // namespace

TEST_CASE("admin: hash has the scrypt$log2n$r$p$salt$hash format") {
  const std::string h = hash_password("correct horse", small());
  auto f = fields(h);
  REQUIRE(f.size() == 6);
  CHECK(f[0] == "scrypt");
  CHECK(f[1] == "10");
  CHECK(f[2] == "8");
  CHECK(f[3] == "1");
  auto salt = wm::crypto::unbase64(f[4]);
  auto key = wm::crypto::unbase64(f[5]);
  REQUIRE(salt);
  REQUIRE(key);
  CHECK(salt->size() == 16);
  CHECK(key->size() == 32);
  CHECK(wm::crypto::base64url(*salt) == f[4]);  // base64url, unpadded
  CHECK(wm::crypto::base64url(*key) == f[5]);
}

TEST_CASE("admin: default parameters are n=2^15 r=8 p=1") {
  auto f = fields(hash_password("correct horse"));
  CHECK(f[1] == "15");
  CHECK(f[2] == "8");
  CHECK(f[3] == "1");
  CHECK(verify_password("correct horse", join(f)));
}

TEST_CASE("admin: a password verifies against its own hash") {
  CHECK(verify_password("correct horse", hash_password("correct horse", small())));
  CHECK(verify_password("", hash_password("", small())));
  const std::string unicode = "p\xC3\xA4ssw\xC3\xB6rd \xF0\x9F\x94\x91";
  CHECK(verify_password(unicode, hash_password(unicode, small())));
}

TEST_CASE("admin: a wrong password does not verify") {
  const std::string h = hash_password("correct horse", small());
  CHECK_FALSE(verify_password("correct hors", h));
  CHECK_FALSE(verify_password("correct horse ", h));
  CHECK_FALSE(verify_password("Correct horse", h));
  CHECK_FALSE(verify_password("", h));
}

TEST_CASE("admin: the stored parameters are the ones used to verify") {
  ScryptParams p;
  p.n = 1u << 9;
  p.r = 4;
  p.p = 2;
  const std::string h = hash_password("correct horse", p);
  REQUIRE(verify_password("correct horse", h));
  auto f = fields(h);
  CHECK(f[1] == "9");
  CHECK(f[2] == "4");
  CHECK(f[3] == "2");
  for (auto [i, v] : {std::pair{1, "10"}, std::pair{2, "8"}, std::pair{3, "1"}}) {
    auto g = f;
    g[i] = v;
    CHECK_FALSE(verify_password("correct horse", join(g)));
  }
}

TEST_CASE("admin: each hash has its own salt") {
  const std::string a = hash_password("correct horse", small());
  const std::string b = hash_password("correct horse", small());
  CHECK(fields(a)[4] != fields(b)[4]);
  CHECK(fields(a)[5] != fields(b)[5]);
  CHECK(verify_password("correct horse", a));
  CHECK(verify_password("correct horse", b));
}

TEST_CASE("admin: tampered or malformed encodings are refused") {
  const std::string h = hash_password("correct horse", small());
  REQUIRE(verify_password("correct horse", h));
  const auto f = fields(h);

  auto flip = [](std::string s, size_t at) {
    s[at] = s[at] == 'A' ? 'B' : 'A';
    return s;
  };
  std::vector<std::string> bad;
  {
    auto g = f;
    g[5] = flip(g[5], 0);
    bad.push_back(join(g));  // hash changed
    g = f;
    g[4] = flip(g[4], 3);
    bad.push_back(join(g));  // salt changed
    g = f;
    g[0] = "bcrypt";
    bad.push_back(join(g));
    g = f;
    g[0] = "SCRYPT";
    bad.push_back(join(g));
    g = f;
    g[1] = "010";
    bad.push_back(join(g));  // leading zero
    g = f;
    g[1] = "+10";
    bad.push_back(join(g));
    g = f;
    g[2] = " 8";
    bad.push_back(join(g));
    g = f;
    g[2] = "";
    bad.push_back(join(g));
    g = f;
    g[5] += "=";
    bad.push_back(join(g));  // padding is not canonical
    g = f;
    g[4] = g[4].substr(0, 20);
    bad.push_back(join(g));  // salt too short
    g = f;
    g[5] = wm::crypto::base64url(std::string(31, 'x'));
    bad.push_back(join(g));  // key too short
    g = f;
    g[4] = wm::crypto::base64url(std::string(17, 'x'));
    bad.push_back(join(g));  // salt too long
  }
  bad.push_back("");
  bad.push_back("scrypt");
  bad.push_back(h + "$");
  bad.push_back(h + "$extra");
  bad.push_back(h.substr(0, h.rfind('$')));
  bad.push_back(" " + h);
  bad.push_back(h + "\n");
  bad.push_back(join({f[0], f[1], f[2], f[3], f[5], f[4]}));  // salt and hash swapped
  for (const auto& b : bad) {
    INFO(b);
    CHECK_FALSE(verify_password("correct horse", b));
  }
}

TEST_CASE("admin: a hash in the standard base64 alphabet is refused") {
  // Find a hash whose fields contain '-' or '_' and spell it with '+' or '/'.
  for (int i = 0; i < 200; ++i) {
    std::string h = hash_password("correct horse", small());
    const size_t at = h.find_first_of("-_", h.find('$', 10));
    if (at == std::string::npos) continue;
    h[at] = h[at] == '-' ? '+' : '/';
    CHECK_FALSE(verify_password("correct horse", h));
    return;
  }
  FAIL("no hash with '-' or '_' in 200 tries");
}

TEST_CASE("admin: absurd scrypt parameters are refused") {
  // Same salt and hash as a good encoding; only the cost fields change.
  CHECK(verify_password("correct horse", with_params("10", "8", "1")));
  CHECK_FALSE(verify_password("correct horse", with_params("21", "8", "1")));   // n > 2^20
  CHECK_FALSE(verify_password("correct horse", with_params("63", "8", "1")));
  CHECK_FALSE(verify_password("correct horse", with_params("999", "8", "1")));
  CHECK_FALSE(verify_password("correct horse", with_params("20", "8", "1")));   // 1 GiB
  CHECK_FALSE(verify_password("correct horse", with_params("0", "8", "1")));    // n = 1
  CHECK_FALSE(verify_password("correct horse", with_params("10", "0", "1")));
  CHECK_FALSE(verify_password("correct horse", with_params("10", "8", "0")));
  CHECK_FALSE(verify_password("correct horse", with_params("10", "8", "5")));   // r*p = 40
  CHECK_FALSE(verify_password("correct horse", with_params("10", "999", "999")));
  CHECK_FALSE(verify_password("correct horse", with_params("10", "1", "999")));
  CHECK_FALSE(verify_password("correct horse", with_params("10", "18446744073709551617", "1")));
}

TEST_CASE("admin: hash_password refuses parameters verify would refuse") {
  auto params = [](uint64_t n, uint64_t r, uint64_t p) {
    ScryptParams s;
    s.n = n;
    s.r = r;
    s.p = p;
    return s;
  };
  CHECK_THROWS_AS(hash_password("x", params(1u << 21, 1, 1)), std::invalid_argument);
  CHECK_THROWS_AS(hash_password("x", params(1000, 8, 1)), std::invalid_argument);  // not 2^k
  CHECK_THROWS_AS(hash_password("x", params(1, 8, 1)), std::invalid_argument);
  CHECK_THROWS_AS(hash_password("x", params(0, 8, 1)), std::invalid_argument);
  CHECK_THROWS_AS(hash_password("x", params(1u << 10, 0, 1)), std::invalid_argument);
  CHECK_THROWS_AS(hash_password("x", params(1u << 10, 8, 0)), std::invalid_argument);
  CHECK_THROWS_AS(hash_password("x", params(1u << 10, 8, 8)), std::invalid_argument);
  CHECK_THROWS_AS(hash_password("x", params(1u << 20, 8, 1)), std::invalid_argument);
  CHECK(verify_password("x", hash_password("x", params(2, 1, 1))));
}
