// Open Payments errors as people read them: one function from a typed client error (OpError) and
// the step that failed to a plain sentence with the next step to take, for the viewer (tip panel)
// or the streamer (admin page). The sentence never contains a secret, a URL we were given, or
// anything the other server wrote (descriptions, bodies): those go to the logs at most. Machine
// codes stay in the JSON "code" the caller picks; `reason` is a finer code for logs and tests.
#pragma once
#include <string>

#include "openpayments/client.h"

namespace wm::openpayments {

// Which request failed, named by whose wallet it was and who reads the message.
enum class Step {
  viewer_wallet,         // the viewer's wallet address document (tip creation)
  setup_wallet,          // the streamer's wallet address typed in the admin page
  streamer_wallet,       // the streamer's wallet address, read while a viewer tips
  streamer_payment,      // incoming-payment grant / incoming payment at the streamer's wallet
  viewer_quote,          // quote grant or quote at the viewer's wallet
  viewer_payment_grant,  // the interactive outgoing-payment grant at the viewer's wallet
  viewer_payment,        // after approval: continuing that grant, creating the outgoing payment
  key_test,              // the admin page's Test: a signed grant request at the streamer's wallet
};

// Whose move it is: what the person can do about it.
enum class Fault {
  input,        // what was typed is wrong: fix it
  unreachable,  // a wallet provider did not answer (or failed): try again later
  setup,        // the streamer's configuration (key, wallet): the streamer must act
  refused,      // the wallet answered no (e.g. these two wallets cannot pay each other)
};

struct PersonError {
  Fault fault = Fault::refused;
  std::string reason;   // e.g. "wallet_not_found", "host_not_found", "no_answer", "unknown_key",
                        // "key_mismatch", "no_quote", "not_a_wallet", "blocked_address"
  std::string message;  // one or two plain sentences ending with what to do next
};

PersonError for_person(const OpError& e, Step step);

// The example shown wherever a wallet address is asked for.
inline constexpr const char* kWalletExample = "https://wallet.example/alice";

}  // namespace wm::openpayments
