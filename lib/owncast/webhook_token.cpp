// Webhook path tokens (declared in service.h).
#include <cctype>

#include "core/crypto.h"
#include "owncast/service.h"

namespace wm::owncast {

Result<std::vector<std::string>> webhook_tokens(store::Store& store, const std::string& configured) {
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start <= configured.size() && !configured.empty()) {
    size_t comma = configured.find(',', start);
    std::string t = configured.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!t.empty()) tokens.push_back(t);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (tokens.size() > 2) return Error{"invalid_config", "--webhook-token takes at most two tokens (current,previous)"};
  for (const auto& t : tokens) {
    if (t.size() < 22) return Error{"invalid_config", "--webhook-token must be at least 22 characters (128 bits)"};
    for (char c : t)
      if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
        return Error{"invalid_config", "--webhook-token may only contain A-Z a-z 0-9 - _"};
  }
  if (!tokens.empty()) return tokens;
  auto secrets = store.table("secrets");
  std::string token;
  auto st = store.update([&](store::WriteTxn& txn) -> Status {
    if (auto v = txn.get(secrets, "webhook_token")) {
      token = std::string(*v);
      return ok_status();
    }
    token = crypto::random_token(16);
    return txn.put(secrets, "webhook_token", token);
  });
  if (!st) return st.error();
  return std::vector<std::string>{token};
}

bool token_matches(const std::vector<std::string>& tokens, std::string_view token) {
  bool match = false;
  for (const auto& t : tokens) match |= crypto::ct_equal(t, token);
  return match;
}

}  // namespace wm::owncast
