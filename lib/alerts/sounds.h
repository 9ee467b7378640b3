// Uploaded alert sounds (issue 13): short audio files the streamer uploads in the admin page and
// names in an alert style or variation (`"sound": "<id>"`); the built-in tones ("chime",
// "fanfare") stay. Stored in LMDB table "alert_sounds": "m/<id>" -> {"id","name","contentType",
// "bytes","createdNs"}, "d/<id>" -> the file's bytes.
//
// Limits: at most kMaxSoundBytes per file (the listener refuses a larger body while reading it,
// see app.cpp's body_limit) and kMaxSounds files. Accepted types: audio/mpeg, audio/ogg and
// audio/wav (audio/x-wav and audio/wave are read as audio/wav); the bytes must start like that
// type (ID3 or an MPEG frame, "OggS", "RIFF....WAVE").
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "store/store.h"

namespace wm::alerts {

inline constexpr size_t kMaxSoundBytes = 1u << 20;  // 1 MiB
inline constexpr size_t kMaxSounds = 50;

struct SoundInfo {
  std::string id;            // 22 URL-safe characters (128 random bits)
  std::string name;          // 1-64 characters, no control characters
  std::string content_type;  // audio/mpeg | audio/ogg | audio/wav
  size_t bytes = 0;
  int64_t created_ns = 0;
};

nlohmann::json to_json(const SoundInfo& s);  // {"id","name","contentType","bytes","createdAt"}

// Errors: "invalid_sound" (type, name, empty or not that kind of file; the message says which),
// "payload_too_large", "too_many_sounds".
Result<SoundInfo> add_sound(store::Store& store, std::string_view name, std::string_view content_type,
                            std::string_view bytes, int64_t now_ns);
std::vector<SoundInfo> list_sounds(const store::Store& store);  // oldest first
Status delete_sound(store::Store& store, std::string_view id);  // "not_found"
// The file and its type, or nullopt.
std::optional<std::pair<SoundInfo, std::string>> read_sound(const store::Store& store, std::string_view id);

}  // namespace wm::alerts
