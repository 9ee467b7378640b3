#include "alerts/sounds.h"

#include <algorithm>

#include "core/crypto.h"
#include "core/timeutil.h"

namespace wm::alerts {

namespace {

using json = nlohmann::json;
constexpr size_t kNameMax = 64;

Error invalid(const std::string& message) { return Error{"invalid_sound", message}; }

// "audio/wav; charset=x" -> "audio/wav"; the WAV aliases folded; "" when not accepted.
std::string normal_type(std::string_view t) {
  t = t.substr(0, t.find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  std::string s(t);
  for (auto& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  if (s == "audio/x-wav" || s == "audio/wave") return "audio/wav";
  if (s == "audio/mpeg" || s == "audio/ogg" || s == "audio/wav") return s;
  return "";
}

bool looks_like(const std::string& type, std::string_view b) {
  if (type == "audio/ogg") return b.substr(0, 4) == "OggS";
  if (type == "audio/wav") return b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WAVE";
  // MP3: an ID3v2 tag, or an MPEG audio frame header (11 sync bits).
  return b.substr(0, 3) == "ID3" ||
         (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF && (static_cast<unsigned char>(b[1]) & 0xE0) == 0xE0);
}

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > kNameMax) return false;
  for (unsigned char c : n)
    if (c < 0x20 || c == 0x7F) return false;
  return true;
}

std::optional<SoundInfo> parse_info(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  SoundInfo s;
  s.id = j.value("id", "");
  s.name = j.value("name", "");
  s.content_type = j.value("contentType", "");
  s.bytes = j.value("bytes", size_t{0});
  s.created_ns = j.value("createdNs", int64_t{0});
  return s;
}

json record(const SoundInfo& s) {
  return {{"id", s.id}, {"name", s.name}, {"contentType", s.content_type}, {"bytes", s.bytes}, {"createdNs", s.created_ns}};
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id)
    if (!(isalnum(c) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace

json to_json(const SoundInfo& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"contentType", s.content_type},
          {"bytes", s.bytes},
          {"createdAt", timeutil::format_rfc3339(s.created_ns)}};
}

Result<SoundInfo> add_sound(store::Store& store, std::string_view name, std::string_view content_type,
                            std::string_view bytes, int64_t now_ns) {
  SoundInfo s;
  s.content_type = normal_type(content_type);
  if (s.content_type.empty())
    return invalid("Content-Type must be audio/mpeg, audio/ogg or audio/wav (the raw file is the body)");
  if (!valid_name(name)) return invalid("name must be 1-64 characters without control characters (?name=...)");
  if (bytes.empty()) return invalid("the body is empty: send the audio file itself");
  if (bytes.size() > kMaxSoundBytes)
    return Error{"payload_too_large", "a sound may be at most " + std::to_string(kMaxSoundBytes) + " bytes"};
  if (!looks_like(s.content_type, bytes))
    return invalid("the file is not " + s.content_type + " (its first bytes do not match that format)");
  s.id = crypto::random_token(16);
  s.name = std::string(name);
  s.bytes = bytes.size();
  s.created_ns = now_ns;
  const auto t = store.table("alert_sounds");
  auto st = store.update([&](store::WriteTxn& txn) -> Status {
    size_t n = 0;
    txn.scan_prefix(t, "m/", false, [&](std::string_view, std::string_view) { return ++n < kMaxSounds + 1; });
    if (n >= kMaxSounds)
      return Error{"too_many_sounds", "at most " + std::to_string(kMaxSounds) + " sounds: delete one first"};
    if (auto r = txn.put(t, "d/" + s.id, bytes); !r) return r;
    return txn.put(t, "m/" + s.id, record(s).dump());
  });
  if (!st) return st.error();
  return s;
}

std::vector<SoundInfo> list_sounds(const store::Store& store) {
  std::vector<SoundInfo> out;
  auto txn = store.begin_read();
  txn.scan_prefix(store.table("alert_sounds"), "m/", false, [&](std::string_view, std::string_view v) {
    if (auto s = parse_info(v)) out.push_back(std::move(*s));
    return true;
  });
  std::sort(out.begin(), out.end(), [](const SoundInfo& a, const SoundInfo& b) { return a.created_ns < b.created_ns; });
  return out;
}

Status delete_sound(store::Store& store, std::string_view id) {
  if (!valid_id(id)) return Error{"not_found", "no sound with this id"};
  const auto t = store.table("alert_sounds");
  bool found = false;
  auto st = store.update([&](store::WriteTxn& txn) -> Status {
    found = txn.get(t, "m/" + std::string(id)).has_value();
    if (!found) return Ok{};
    txn.del(t, "m/" + std::string(id));
    txn.del(t, "d/" + std::string(id));
    return Ok{};
  });
  if (!st) return st;
  if (!found) return Error{"not_found", "no sound with this id"};
  return Ok{};
}

std::optional<std::pair<SoundInfo, std::string>> read_sound(const store::Store& store, std::string_view id) {
  if (!valid_id(id)) return std::nullopt;
  auto txn = store.begin_read();
  const auto t = store.table("alert_sounds");
  auto m = txn.get(t, "m/" + std::string(id));
  auto d = txn.get(t, "d/" + std::string(id));
  if (!m || !d) return std::nullopt;
  auto info = parse_info(*m);
  if (!info) return std::nullopt;
  return std::make_pair(std::move(*info), std::string(*d));
}

}  // namespace wm::alerts
