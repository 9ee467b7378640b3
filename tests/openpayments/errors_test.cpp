// openpayments::for_person: the typed client error and the failed step -> a person's sentence.
#include "openpayments/errors.h"

#include <catch2/catch.hpp>

using namespace wm::openpayments;

namespace {

OpError http(int status, std::string code, std::string description = "upstream said something technical") {
  return OpError{status, std::move(code), std::move(description), "", 0};
}

OpError transport(std::string curl_message) {
  return OpError{0, "transport", curl_message + " (https://wallet.invalid/alice)", curl_message, 0};
}

// Nothing the other side wrote, no status numbers, no URL; a sentence.
void person_only(const PersonError& p) {
  INFO(p.message);
  CHECK(p.message.find("upstream") == std::string::npos);
  CHECK(p.message.find("HTTP") == std::string::npos);
  CHECK(p.message.find("wallet.invalid") == std::string::npos);
  CHECK(p.message.find("Could not") == std::string::npos);
  CHECK(p.message.back() == '.');
}

}  // namespace

TEST_CASE("errors: a wallet address that is not there, mistyped or silent") {
  for (Step step : {Step::viewer_wallet, Step::setup_wallet}) {
    auto missing = for_person(http(404, "404", "Could not get wallet address"), step);
    CHECK(missing.fault == Fault::input);
    CHECK(missing.reason == "wallet_not_found");
    CHECK(missing.message ==
          "We couldn't find that wallet address. Check the spelling \xE2\x80\x94 it looks like "
          "https://wallet.example/alice or $wallet.example/alice.");
    person_only(missing);

    auto host = for_person(transport("Could not resolve host: wallet.invalid"), step);
    CHECK(host.fault == Fault::input);
    CHECK(host.reason == "host_not_found");
    person_only(host);

    for (const OpError& e : {transport("Connection refused"), OpError{0, "timeout", "timed out", "", 0},
                             http(503, "http_error")}) {
      auto silent = for_person(e, step);
      CHECK(silent.fault == Fault::unreachable);
      CHECK(silent.message == "Your wallet provider didn't answer. Try again in a minute.");
    }
    auto blocked = for_person(OpError{0, "blocked_address", "refusing 10.0.0.1", "", 0}, step);
    CHECK(blocked.fault == Fault::input);
    person_only(blocked);
    auto page = for_person(OpError{200, "invalid_response", "not JSON", "", 0}, step);
    CHECK(page.reason == "not_a_wallet");
    person_only(page);
  }
}

TEST_CASE("errors: the streamer's key test says what to do in the wallet") {
  auto unknown = for_person(http(400, "invalid_client", "could not determine client"), Step::key_test);
  CHECK(unknown.fault == Fault::setup);
  CHECK(unknown.message ==
        "The wallet doesn't know this key yet: upload the public key shown above in your wallet's developer "
        "settings, then press Test.");
  auto mismatch = for_person(http(401, "signature_rejected", "the server did not accept our signature"), Step::key_test);
  CHECK(mismatch.reason == "key_mismatch");
  person_only(mismatch);
  auto silent = for_person(transport("Connection refused"), Step::key_test);
  CHECK(silent.fault == Fault::unreachable);
  person_only(for_person(http(400, "invalid_request"), Step::key_test));
}

TEST_CASE("errors: viewers learn when two wallets cannot pay each other, or the stream is not set up") {
  auto quote = for_person(http(400, "400", "invalid receiver"), Step::viewer_quote);
  CHECK(quote.fault == Fault::refused);
  CHECK(quote.reason == "no_quote");
  person_only(quote);
  auto key = for_person(http(400, "invalid_client", "could not determine client"), Step::viewer_payment_grant);
  CHECK(key.fault == Fault::setup);
  person_only(key);
  auto streamer = for_person(http(401, "invalid_client"), Step::streamer_payment);
  CHECK(streamer.fault == Fault::setup);
  CHECK(streamer.message.find("let the streamer know") != std::string::npos);
  person_only(streamer);
  auto silent = for_person(http(502, "http_error"), Step::streamer_wallet);
  CHECK(silent.message == "The streamer's wallet provider didn't answer. Try again in a minute.");
}

TEST_CASE("errors: after approval, a refused or unanswered payment says nothing was charged") {
  auto refused = for_person(http(403, "403", "unauthorized: limit exceeded"), Step::viewer_payment);
  CHECK(refused.fault == Fault::refused);
  CHECK(refused.message.find("Nothing was charged") != std::string::npos);
  person_only(refused);
  auto silent = for_person(transport("Connection reset by peer"), Step::viewer_payment);
  CHECK(silent.fault == Fault::unreachable);
  person_only(silent);
}
