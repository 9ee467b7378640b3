// CLI subcommands for Open Payments set-up and debugging. `args` are the arguments after the
// subcommand name. Exit codes: 0 success, 1 operation failed (network, server), 2 usage or
// input error. Errors are single lines on `err`.
#pragma once
#include <iostream>
#include <string>
#include <vector>

namespace wm::app {

// keygen --out FILE [--key-id ID] [--force]
int cmd_keygen(const std::vector<std::string>& args, std::ostream& out = std::cout,
               std::ostream& err = std::cerr);
// sign-request --key-file F --key-id ID --method M --url U [--header 'Name: value']...
//              [--body S | --body-file F] [--created UNIX]
int cmd_sign_request(const std::vector<std::string>& args, std::ostream& out = std::cout,
                     std::ostream& err = std::cerr);
// wallet URL [--op-dev-hosts H]   (H defaults to $OWNCAST_WM_OP_DEV_HOSTS)
int cmd_wallet(const std::vector<std::string>& args, std::ostream& out = std::cout,
               std::ostream& err = std::cerr);

}  // namespace wm::app
