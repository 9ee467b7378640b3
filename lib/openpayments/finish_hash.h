// GNAP interaction finish: the redirect back from the wallet and its hash.
//   hash = base64(SHA-256(client_nonce "\n" interact_finish "\n" interact_ref "\n" grant_endpoint))
// standard alphabet with '=' padding (what Rafiki sends; 44 characters).
#pragma once
#include <string>
#include <string_view>

namespace wm::openpayments {

struct FinishHashInput {
  std::string client_nonce;     // interact.finish.nonce we sent in the grant request
  std::string interact_finish;  // interact.finish from the grant response
  std::string interact_ref;     // from the redirect, percent-decoded once
  std::string auth_server;      // wallet address authServer = where the grant was POSTed
};

std::string finish_hash_input(const FinishHashInput& in);  // the LF-joined text that is hashed
std::string finish_hash(const FinishHashInput& in);        // standard base64, padded

// Constant-time check of a received (already decoded) hash. Tries auth_server verbatim, then
// with "/" appended (Rafiki before v2.0.0-beta). Also accepts the base64url-without-padding
// spelling of the same digest (GNAP docs). Fails closed for anything else.
bool verify_finish_hash(std::string_view received, const FinishHashInput& in);

struct FinishRedirect {
  enum class Outcome { approved, rejected, error };
  Outcome outcome = Outcome::error;
  std::string hash;          // approved: decoded hash parameter
  std::string interact_ref;  // approved
  std::string result;        // rejected/error: "grant_rejected", "invalid_interaction", ...
  std::string message;       // error: decoded message parameter, if any
};

// Reads the finish redirect's query (a full URL or just its query), decoding each value once
// with form rules (%XX -> byte, '+' -> space). Missing, repeated or malformed parameters give
// Outcome::error with result "invalid_redirect".
FinishRedirect parse_finish_redirect(std::string_view url);

}  // namespace wm::openpayments
