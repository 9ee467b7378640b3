#include "alerts/overlay_key.h"

#include "core/crypto.h"

namespace wm::alerts {

namespace {
constexpr std::string_view kName = "overlay-key";
}

Result<std::string> OverlayKey::load_or_create(bool fresh) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!fresh && !cached_.empty()) return cached_;
  std::string key;
  auto st = store_.update([&](store::WriteTxn& txn) -> Status {
    const store::Table t = store_.table("secrets");
    if (!fresh) {
      if (auto v = txn.get(t, kName); v && !v->empty()) {
        key = std::string(*v);
        return Ok{};
      }
    }
    key = crypto::random_token(16);  // 128 bits
    return txn.put(t, kName, key);
  });
  if (!st) return st.error();
  cached_ = key;
  return key;
}

Result<std::string> OverlayKey::get() { return load_or_create(false); }
Result<std::string> OverlayKey::regenerate() { return load_or_create(true); }

bool OverlayKey::matches(std::string_view candidate) {
  auto key = get();
  if (!key || key->empty() || candidate.empty()) return false;
  return crypto::ct_equal(*key, candidate);
}

}  // namespace wm::alerts
