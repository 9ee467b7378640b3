#include "openpayments/finish_hash.h"

#include <catch2/catch.hpp>

#include "openpayments/vectors.h"

using namespace wm::openpayments;
using nlohmann::ordered_json;
using Outcome = FinishRedirect::Outcome;

namespace {

FinishHashInput input_of(const ordered_json& in) {
  return {in["client_nonce"], in["interact_finish"], in["interact_ref"],
          in["wallet_address_auth_server"]};
}

std::string str(const ordered_json& j) { return j.get<std::string>(); }

}  // namespace

TEST_CASE("openpayments: finish hash reproduces every vector") {
  auto v = wm::test::load_vectors("finish-hash.json");
  REQUIRE(v["cases"].size() >= 5);
  for (const auto& c : v["cases"]) {
    DYNAMIC_SECTION(str(c["name"])) {
      const auto& e = c["expected"];
      auto in = input_of(c["input"]);
      FinishHashInput hashed = in;
      hashed.auth_server = str(e["hashed_grant_endpoint"]);
      CHECK(finish_hash_input(hashed) == str(e["hash_input"]));
      CHECK(finish_hash(hashed) == str(e["hash"]));
      CHECK((finish_hash(in) == str(e["hash"])) ==
            e["matches_with_wallet_auth_server_verbatim"].get<bool>());
      FinishHashInput slash = in;
      slash.auth_server += "/";
      CHECK((finish_hash(slash) == str(e["hash"])) ==
            e["matches_with_trailing_slash_appended"].get<bool>());
      CHECK(verify_finish_hash(str(e["hash"]), in));
      CHECK(verify_finish_hash(str(e["hash_base64url_nopad"]), in));
    }
  }
}

TEST_CASE("openpayments: finish redirect of every vector parses and verifies") {
  auto v = wm::test::load_vectors("finish-hash.json");
  for (const auto& c : v["cases"]) {
    DYNAMIC_SECTION(str(c["name"])) {
      const auto& e = c["expected"];
      auto r = parse_finish_redirect(str(e["redirect_url"]));
      REQUIRE(r.outcome == Outcome::approved);
      CHECK(r.hash == str(e["hash"]));
      CHECK(r.interact_ref == str(c["input"]["interact_ref"]));
      auto q = parse_finish_redirect("hash=" + str(e["hash_as_percent_encoded_in_query"]) +
                                     "&interact_ref=x");
      CHECK(q.hash == str(e["hash"]));
      auto in = input_of(c["input"]);
      in.interact_ref = r.interact_ref;
      CHECK(verify_finish_hash(r.hash, in));
    }
  }
}

TEST_CASE("openpayments: wrong finish hashes are rejected") {
  auto v = wm::test::load_vectors("finish-hash.json");
  const auto& c = v["cases"][0];
  auto in = input_of(c["input"]);
  std::string hash = str(c["expected"]["hash"]);
  REQUIRE(verify_finish_hash(hash, in));
  std::string altered = hash;
  altered[3] = altered[3] == 'A' ? 'B' : 'A';
  CHECK_FALSE(verify_finish_hash(altered, in));
  CHECK_FALSE(verify_finish_hash("", in));
  CHECK_FALSE(verify_finish_hash(hash.substr(0, 43), in));  // padding dropped but '+' kept
  CHECK_FALSE(verify_finish_hash(hash + " ", in));
  auto other = in;
  other.interact_ref = "00000000-0000-0000-0000-000000000000";
  CHECK_FALSE(verify_finish_hash(hash, other));
  other = in;
  other.auth_server = "https://auth.evil.example/6a1c0b3e-2f4d-4c1a-9f70-0d5e8b7c1234";
  CHECK_FALSE(verify_finish_hash(hash, other));
  // The Rafiki v2.0.0-beta spelling (tenant dropped, trailing slash) is not accepted.
  FinishHashInput tenantless = in;
  tenantless.auth_server = "https://auth.wallet.example/";
  CHECK_FALSE(verify_finish_hash(finish_hash(tenantless), in));
}

TEST_CASE("openpayments: legacy trailing-slash hash verifies only through the fallback") {
  auto v = wm::test::load_vectors("finish-hash.json");
  for (const auto& c : v["cases"]) {
    if (!c["expected"]["matches_with_trailing_slash_appended"].get<bool>()) continue;
    auto in = input_of(c["input"]);
    CHECK(in.auth_server.back() != '/');
    CHECK(finish_hash(in) != str(c["expected"]["hash"]));
    CHECK(verify_finish_hash(str(c["expected"]["hash"]), in));
  }
}

TEST_CASE("openpayments: finish redirect outcomes match the parsing vectors") {
  auto v = wm::test::load_vectors("finish-hash.json");
  REQUIRE(v["redirect_parsing"].size() >= 4);
  for (const auto& c : v["redirect_parsing"]) {
    DYNAMIC_SECTION(str(c["name"])) {
      const auto& e = c["expected"];
      auto r = parse_finish_redirect(str(c["redirect_url"]));
      std::string outcome = r.outcome == Outcome::approved   ? "approved"
                            : r.outcome == Outcome::rejected ? "rejected"
                                                             : "error";
      CHECK(outcome == str(e["outcome"]));
      CHECK(r.result == str(e["result"]));
      CHECK(r.message == (e.contains("message") ? str(e["message"]) : ""));
      CHECK(r.hash.empty());
    }
  }
}

TEST_CASE("openpayments: malformed finish redirects are errors") {
  auto bad = [](std::string_view url) {
    auto r = parse_finish_redirect(url);
    return r.outcome == Outcome::error && r.result == "invalid_redirect";
  };
  CHECK(bad("https://tips.example/op/finish/1"));
  CHECK(bad("https://tips.example/op/finish/1?hash=abc"));
  CHECK(bad("https://tips.example/op/finish/1?interact_ref=abc"));
  CHECK(bad("https://tips.example/op/finish/1?hash=a&hash=b&interact_ref=c"));
  CHECK(bad("https://tips.example/op/finish/1?hash=a%2&interact_ref=c"));
  auto ok = parse_finish_redirect("https://t.example/f?tip=42&hash=a%2Bb+c&interact_ref=r#frag");
  CHECK(ok.outcome == Outcome::approved);
  CHECK(ok.hash == "a+b c");
  CHECK(ok.interact_ref == "r");
}
