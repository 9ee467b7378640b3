#include "openpayments/errors.h"

#include <algorithm>
#include <cctype>

namespace wm::openpayments {

namespace {

const std::string kExample = kWalletExample;

const std::string kCheckSpelling =
    "Check the spelling \xE2\x80\x94 it looks like " + kExample + " or $wallet.example/alice.";
const std::string kNothingCharged = "Nothing was charged.";
const std::string kTellStreamer =
    "Tipping isn't fully set up on this stream yet, so this tip can't be sent. Nothing was charged; "
    "please let the streamer know.";

bool contains_lower(std::string s, std::string_view needle) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s.find(needle) != std::string::npos;
}

// The host name does not exist (curl: "Could not resolve host" / "Couldn't resolve host name").
bool unknown_host(const OpError& e) {
  return e.http_status == 0 && e.code == "transport" &&
         (contains_lower(e.transport_error, "resolve host") || contains_lower(e.description, "resolve host"));
}

// No usable answer: nothing received, a timeout, or a server error.
bool no_answer(const OpError& e) {
  if (unknown_host(e)) return false;
  if (e.http_status == 0) return e.code == "transport" || e.code == "timeout";
  return e.http_status >= 500;
}

bool not_found(const OpError& e) { return e.http_status == 404 || e.http_status == 410; }

bool not_public(const OpError& e) { return e.http_status == 0 && (e.code == "blocked_address" || e.code == "invalid_url"); }

// The wallet did not accept our client key or signature.
bool key_refused(const OpError& e) {
  return e.code == "invalid_client" || e.code == "signature_rejected" || e.http_status == 401;
}

PersonError wallet_lookup(const OpError& e) {
  if (not_found(e))
    return {Fault::input, "wallet_not_found", "We couldn't find that wallet address. " + kCheckSpelling};
  if (unknown_host(e))
    return {Fault::input, "host_not_found", "We couldn't find a wallet provider at that address. " + kCheckSpelling};
  if (no_answer(e))
    return {Fault::unreachable, "no_answer", "Your wallet provider didn't answer. Try again in a minute."};
  if (not_public(e))
    return {Fault::input, "blocked_address",
            "That address can't be used: a wallet address is a public https address like " + kExample + "."};
  return {Fault::input, "not_a_wallet",
          "That address doesn't lead to an Open Payments wallet. Copy your wallet address from your wallet "
          "provider; it looks like " + kExample + "."};
}

PersonError viewer_side(const OpError& e, bool quote) {
  if (no_answer(e))
    return {Fault::unreachable, "no_answer", "Your wallet provider didn't answer. Try again in a minute."};
  if (e.code == "missing_public_name") return {Fault::setup, "missing_public_name", kTellStreamer};
  if (key_refused(e))
    return {Fault::setup, "client_refused",
            "Your wallet provider doesn't accept payment requests from this stream yet. " + kNothingCharged +
                " Please let the streamer know, or tip from a wallet at another provider."};
  if (quote)
    return {Fault::refused, "no_quote",
            "Your wallet can't pay the streamer's wallet: no price could be quoted between the two wallets "
            "(their providers or currencies don't connect). " + kNothingCharged +
                " Try a wallet at another provider or in another currency."};
  return {Fault::refused, "grant_refused",
          "Your wallet didn't open an approval for this tip. " + kNothingCharged +
              " Try again, or tip from another wallet."};
}

PersonError viewer_payment(const OpError& e) {
  if (no_answer(e))
    return {Fault::unreachable, "no_answer",
            "Your wallet provider didn't answer, so the tip wasn't sent. Nothing was charged; try again in a minute."};
  return {Fault::refused, "payment_refused",
          "Your wallet didn't make the payment. Nothing was charged; check your wallet's balance and spending "
          "limits, then send the tip again."};
}

PersonError key_test(const OpError& e) {
  if (no_answer(e))
    return {Fault::unreachable, "no_answer", "Your wallet provider didn't answer. Try again in a minute."};
  if (unknown_host(e) || not_found(e) || not_public(e))
    return {Fault::input, "wallet_not_found", "We couldn't find your wallet address. Check it in step 1, then press Test."};
  if (e.code == "missing_public_name")
    return {Fault::setup, "missing_public_name",
            "Your wallet address has no public name, and wallets refuse tips without one: set a public name in "
            "your wallet's settings, then press Test."};
  if (e.http_status == 401 || e.code == "signature_rejected")
    return {Fault::setup, "key_mismatch",
            "The wallet knows this key id, but not with this key: upload the public key shown above again in your "
            "wallet's developer settings (replace the old one), then press Test."};
  if (e.code == "invalid_client")
    return {Fault::setup, "unknown_key",
            "The wallet doesn't know this key yet: upload the public key shown above in your wallet's developer "
            "settings, then press Test."};
  return {Fault::refused, "grant_refused",
          "Your wallet refused the test request. Check that the key id matches the key in your wallet's developer "
          "settings, then press Test."};
}

}  // namespace

PersonError for_person(const OpError& e, Step step) {
  switch (step) {
    case Step::viewer_wallet:
    case Step::setup_wallet:
      return wallet_lookup(e);
    case Step::streamer_wallet:
    case Step::streamer_payment:
      if (no_answer(e))
        return {Fault::unreachable, "no_answer", "The streamer's wallet provider didn't answer. Try again in a minute."};
      return {Fault::setup, step == Step::streamer_wallet ? "streamer_wallet" : "streamer_refused", kTellStreamer};
    case Step::viewer_quote:
      return viewer_side(e, true);
    case Step::viewer_payment_grant:
      return viewer_side(e, false);
    case Step::viewer_payment:
      return viewer_payment(e);
    case Step::key_test:
      return key_test(e);
  }
  return {Fault::refused, "unknown", "Something went wrong talking to the wallet. Try again in a minute."};
}

}  // namespace wm::openpayments
