#include "app/setup_state.h"

#include "core/json_limits.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "openpayments/keys.h"

namespace wm::app {

namespace {

using json = nlohmann::json;

constexpr const char* kWalletKey = "setup/wallet";
constexpr const char* kKeyTestKey = "setup/key-test";

void put(store::Store& store, const char* key, const json& value) {
  store::Table t = store.table("settings");
  auto s = store.update([&](store::WriteTxn& txn) { return txn.put(t, key, value.dump()); });
  if (!s) log::warn("could not store the setup state", {{"key", key}, {"error", s.error().message}});
}

json get(const store::Store& store, const char* key) {
  json out;
  store::Table t = store.table("settings");
  (void)store.view([&](const store::ReadTxn& txn) {
    if (auto v = txn.get(t, key)) out = json_limits::parse_or_discarded(*v);
    return ok_status();
  });
  return out.is_object() ? out : json();
}

// {keyId, jwk} of the configured key, or null when there is none (or it cannot be read).
json current_key(const Config& c) {
  if (c.key_id.empty() || c.key_file.empty()) return nullptr;
  auto key = openpayments::PrivateKey::from_file(c.key_file);
  if (!key) return nullptr;
  return {{"keyId", c.key_id}, {"jwk", key->public_jwk(c.key_id)}};
}

std::string now() { return timeutil::format_rfc3339(timeutil::now_ns()); }

}  // namespace

void record_wallet_check(store::Store& store, const json& wallet) {
  json w = wallet;
  w["checkedAt"] = now();
  put(store, kWalletKey, w);
}

void record_key_test(store::Store& store, const Config& c, bool ok, const std::string& code,
                     const std::string& message) {
  json key = current_key(c);
  if (key.is_null()) return;
  json r{{"ok", ok}, {"keyId", c.key_id}, {"x", key["jwk"].value("x", "")}, {"testedAt", now()}};
  if (!ok) {
    r["code"] = code;
    r["message"] = message;
  }
  put(store, kKeyTestKey, r);
}

json setup_state(const store::Store& store, const Config& c) {
  json wallet = get(store, kWalletKey);
  if (wallet.is_null() || c.wallet_address.empty() || wallet.value("id", "") != c.wallet_address) wallet = nullptr;
  json key = current_key(c);
  json test = get(store, kKeyTestKey);
  // A test of another key (replaced since) says nothing about this one.
  if (test.is_null() || key.is_null() || test.value("keyId", "") != c.key_id ||
      test.value("x", "") != key["jwk"].value("x", ""))
    test = nullptr;
  else
    test.erase("x");
  return {{"wallet", wallet}, {"key", key}, {"keyTest", test}};
}

}  // namespace wm::app
