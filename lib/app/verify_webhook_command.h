// `owncast-wm verify-webhook`: checks one outgoing webhook delivery's signature, for people
// debugging their receivers.
#pragma once
#include <iostream>
#include <string>
#include <vector>

namespace wm::app {

// verify-webhook --secret S --id ID --timestamp T --signature SIG --body FILE
// (S: "whsec_…"; ID, T, SIG: the webhook-id, webhook-timestamp and webhook-signature headers;
// FILE: the exact body bytes, "-" for standard input). Prints one line.
// Exit codes: 0 a signature matches, 1 none does, 2 usage or input error.
int cmd_verify_webhook(const std::vector<std::string>& args, std::istream& in = std::cin, std::ostream& out = std::cout,
                       std::ostream& err = std::cerr);

}  // namespace wm::app
