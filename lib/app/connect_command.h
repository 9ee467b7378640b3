// `owncast-wm connect`: connects the sidecar to Owncast in one step from the command line (the
// admin page's Connect button does the same for a running sidecar).
#pragma once
#include <iostream>
#include <string>
#include <vector>

namespace wm::app {

// connect --owncast-url URL [--password-stdin] [serve flags: --data-dir, --public-url,
//         --webhook-token, --config, ...]
// Loads the configuration like `serve`, opens the store (exit 2 while a sidecar runs on the data
// dir), reads Owncast's admin password (a no-echo prompt when `in` is std::cin on a terminal,
// otherwise one line from `in`; --password-stdin never prompts), then with Owncast's admin API
// creates or reuses the webhook, the External Action and an access token
// (owncast::connect). Saves the Owncast URL and the access token in table "settings" under
// "config/owncast-url" and "config/owncast-token" and prints what it did (never a secret).
// Exit codes: 0 connected, 1 Owncast failed, 2 usage, configuration or store error.
int cmd_connect(const std::vector<std::string>& args, std::istream& in = std::cin, std::ostream& out = std::cout,
                std::ostream& err = std::cerr);

}  // namespace wm::app
