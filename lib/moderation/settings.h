// The streamer's moderation settings (issue 13): the word filter and "hold for approval". The
// alert minimum stays in the alert settings (alerts/settings.h, alertMin).
//
// JSON (GET/PUT /plugins/wm/api/moderation):
//   {"wordFilter":{"enabled":bool,"words":["..."]},"holdForApproval":bool,"builtinWords":n}
// "builtinWords" (how many built-in entries apply, filter.h) is output only. Stored in table
// "moderation" under "settings"; defaults when absent: filter on with no own words, no hold.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "store/store.h"

namespace wm::moderation {

inline constexpr const char* kTable = "moderation";            // settings and per-tip decisions
inline constexpr const char* kQueueTable = "moderation_queue";  // tips waiting for approval
inline constexpr const char* kLogTable = "moderation_log";      // every decision, oldest first

inline constexpr size_t kMaxWords = 500;      // entries in the streamer's list
inline constexpr size_t kMaxWordBytes = 100;  // bytes per entry

struct Settings {
  bool filter_enabled = true;
  std::vector<std::string> words;  // the streamer's entries (filter.h syntax), trimmed, as typed
  bool hold = false;               // tips above zero wait in the queue for approval
};

// Errors: "invalid_moderation" with `field` ("wordFilter", "wordFilter.enabled",
// "wordFilter.words", "holdForApproval") and a sentence saying what is accepted.
Result<Settings> parse_settings(const nlohmann::json& j);
nlohmann::json to_json(const Settings& s);

// Every entry that applies: the streamer's and the built-in ones; empty when the filter is off.
std::vector<std::string> active_words(const Settings& s);
// The text as shown on stream under these settings.
std::string filtered(const Settings& s, std::string_view text);

Settings load_settings(const store::Store& store);
Status save_settings(store::Store& store, const Settings& s);

}  // namespace wm::moderation
