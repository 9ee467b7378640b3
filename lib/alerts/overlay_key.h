// The overlay key: the secret in an overlay URL (what OBS can hold). 128 random bits as
// URL-safe base64, kept in the store's secrets table ("overlay-key"), created on first use.
#pragma once
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/store.h"

namespace wm::alerts {

class OverlayKey {
 public:
  explicit OverlayKey(store::Store& store) : store_(store) {}
  Result<std::string> get();         // creates and stores one when there is none
  Result<std::string> regenerate();  // the old key stops matching at once
  // Constant-time comparison with the current key; false when there is none or it is empty.
  bool matches(std::string_view candidate);

 private:
  Result<std::string> load_or_create(bool fresh);
  store::Store& store_;
  std::mutex mu_;
  std::string cached_;
};

}  // namespace wm::alerts
