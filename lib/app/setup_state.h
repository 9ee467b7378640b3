// What the admin page's guided setup shows after a reload (issue 10, section 7): the last
// verified receiving wallet (public name, asset), the client key id with its public JWK, and the
// last key test (result, message, time). Kept in LMDB (table "settings", keys "setup/..."), so a
// restart keeps them too. A stored wallet or key test only counts while the wallet address and
// key it was made with are still the configured ones.
//   GET /plugins/wm/api/setup/state  (admin, served by setup_routes.cpp)
//     {"wallet": {id, publicName, assetCode, assetScale, authServer, resourceServer, checkedAt} | null,
//      "key": {keyId, jwk} | null,
//      "keyTest": {ok, code?, message?, keyId, testedAt} | null}
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "app/settings.h"
#include "store/store.h"

namespace wm::app {

// The answer of POST /api/setup/wallet for `wallet` (its "id"), stamped with the time.
void record_wallet_check(store::Store& store, const nlohmann::json& wallet);
// A key test's outcome for the key configured now (key id + public key); error is ignored when ok.
void record_key_test(store::Store& store, const Config& c, bool ok, const std::string& code,
                     const std::string& message);
// The JSON above for the configuration `c`.
nlohmann::json setup_state(const store::Store& store, const Config& c);

}  // namespace wm::app
