// libFuzzer: the admin settings entry point (PUT /plugins/wm/api/settings): a JSON body through
// the depth-limited parser into Settings::update (validation of every key, then one LMDB
// transaction) against a store in a temporary directory. Invariants: an accepted patch reads
// back as the effective configuration without error, and the effective tip amounts then pass
// validate_tip_settings (no saved setting can leave tipping broken); a refusal names a code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "app/settings.h"
#include "app/settings_validate.h"
#include "core/json_limits.h"
#include "store/store.h"

namespace {

wm::app::Settings& settings() {
  static std::unique_ptr<wm::store::Store> store = [] {
    char tmpl[] = "/tmp/wm-fuzz-settings-XXXXXX";
    const char* dir = mkdtemp(tmpl);
    if (!dir) __builtin_trap();
    wm::store::Options so;
    so.dir = dir;
    auto s = wm::store::Store::open(so);
    if (!s) __builtin_trap();
    return std::move(*s);
  }();
  static wm::app::Settings s(*store, wm::Config{});
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto patch = wm::json_limits::parse(body);
  if (!patch) return 0;
  auto r = settings().update(*patch);
  if (r) {
    (void)settings().describe().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const wm::Config c = settings().effective();
    if (!wm::app::validate_tip_settings({c.tip_min, c.tip_max, c.announce_min}, std::nullopt)) __builtin_trap();
  } else if (r.error().code.empty() || r.error().message.empty()) {
    __builtin_trap();
  }
  return 0;
}
