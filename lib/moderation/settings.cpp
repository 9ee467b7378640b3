#include "moderation/settings.h"

#include <algorithm>

#include "core/log.h"
#include "moderation/filter.h"

namespace wm::moderation {

namespace {

using json = nlohmann::json;

Error invalid(const std::string& field, const std::string& message) {
  return Error{"invalid_moderation", message, field};
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool has_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Result<std::vector<std::string>> parse_words(const json& v) {
  const std::string what = "must be a list of at most " + std::to_string(kMaxWords) + " words or phrases of 1-" +
                           std::to_string(kMaxWordBytes) + " bytes, each with a letter or digit";
  if (!v.is_array() || v.size() > kMaxWords) return invalid("wordFilter.words", "wordFilter.words " + what);
  std::vector<std::string> out;
  for (const auto& w : v) {
    if (!w.is_string()) return invalid("wordFilter.words", "wordFilter.words " + what);
    const std::string t = trimmed(w.get<std::string>());
    const std::string folded = fold(t);
    const bool word_char = std::any_of(folded.begin(), folded.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
    if (t.empty() || t.size() > kMaxWordBytes || has_control(t) || !word_char)
      return invalid("wordFilter.words", "\"" + t.substr(0, 40) + "\" is not accepted: wordFilter.words " + what);
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

}  // namespace

Result<Settings> parse_settings(const json& j) {
  if (!j.is_object()) return invalid("", "the moderation settings must be a JSON object");
  Settings s;
  if (auto it = j.find("wordFilter"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return invalid("wordFilter", "wordFilter must be an object {\"enabled\",\"words\"}");
    if (auto e = it->find("enabled"); e != it->end() && !e->is_null()) {
      if (!e->is_boolean()) return invalid("wordFilter.enabled", "wordFilter.enabled must be true or false");
      s.filter_enabled = e->get<bool>();
    }
    if (auto w = it->find("words"); w != it->end() && !w->is_null()) {
      auto words = parse_words(*w);
      if (!words) return words.error();
      s.words = std::move(*words);
    }
  }
  if (auto it = j.find("holdForApproval"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return invalid("holdForApproval", "holdForApproval must be true or false");
    s.hold = it->get<bool>();
  }
  return s;
}

json to_json(const Settings& s) {
  return {{"wordFilter", {{"enabled", s.filter_enabled}, {"words", s.words}}},
          {"holdForApproval", s.hold},
          {"builtinWords", builtin_words().size()}};
}

std::vector<std::string> active_words(const Settings& s) {
  if (!s.filter_enabled) return {};
  std::vector<std::string> out = s.words;
  for (auto w : builtin_words()) out.emplace_back(w);
  return out;
}

std::string filtered(const Settings& s, std::string_view text) { return filter_text(text, active_words(s)); }

Settings load_settings(const store::Store& store) {
  Settings s;
  auto st = store.view([&](const store::ReadTxn& txn) -> Status {
    auto v = txn.get(store.table(kTable), "settings");
    if (!v) return Ok{};
    if (auto parsed = parse_settings(json::parse(*v, nullptr, false))) s = std::move(*parsed);
    return Ok{};
  });
  if (!st) log::warn("moderation settings not readable", {{"error", st.error().message}});
  return s;
}

Status save_settings(store::Store& store, const Settings& s) {
  json j = to_json(s);
  j.erase("builtinWords");
  const std::string text = j.dump();
  return store.update([&](store::WriteTxn& txn) { return txn.put(store.table(kTable), "settings", text); });
}

}  // namespace wm::moderation
