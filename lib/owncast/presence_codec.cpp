// Presence's outer edges: Owncast's connected-clients answer parsed into ConnectedClient, and
// viewers, stream sessions and viewer sessions to and from their stored JSON (presence.h).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/json.h"
#include "core/json_limits.h"
#include "core/timeutil.h"
#include "owncast/presence.h"

namespace wm::owncast {

using json = nlohmann::json;

// --- /api/integrations/clients ---

Result<std::vector<ConnectedClient>> parse_clients(std::string_view body) {
  json j = json_limits::parse_or_discarded(body);
  if (j.is_discarded()) return Error{"invalid_response", "clients response is not valid JSON"};
  if (!j.is_array()) return Error{"invalid_response", "clients response is not a JSON array"};
  std::vector<ConnectedClient> out;
  for (const auto& entry : j) {
    if (!entry.is_object()) continue;
    auto u = entry.find("user");
    if (u == entry.end() || !u->is_object()) continue;
    auto id = u->find("id");
    if (id == u->end() || !id->is_string() || id->get_ref<const std::string&>().empty()) continue;
    ConnectedClient c;
    c.user_id = id->get<std::string>();
    if (auto n = u->find("displayName"); n != u->end() && n->is_string()) {
      c.display_name = n->get<std::string>();
    }
    if (auto b = u->find("isBot"); b != u->end() && b->is_boolean()) c.is_bot = b->get<bool>();
    if (auto t = entry.find("connectedAt"); t != entry.end() && t->is_string()) {
      auto parsed = timeutil::parse_rfc3339(t->get_ref<const std::string&>());
      if (parsed && !parsed->zero) c.connected_at = parsed->unix_ns;
    }
    out.push_back(std::move(c));
  }
  return out;
}

// --- persistence ---

namespace {

int64_t get_i64(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_unsigned()) {
    uint64_t u = it->get<uint64_t>();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(u);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (!std::isfinite(d) || d >= 9.2e18 || d <= -9.2e18) return 0;
    return static_cast<int64_t>(d);
  }
  return 0;
}

bool get_bool(const json& j, const char* key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

json to_store(const Viewer& v) {
  return json{{"userId", v.user_id},          {"displayName", v.display_name},
              {"joinedAt", v.joined_at},      {"lastSeenAt", v.last_seen_at},
              {"lastJoinTs", v.last_join_ts}, {"lastPartTs", v.last_part_ts},
              {"present", v.present}};
}

Viewer viewer_from_store(const json& j) {
  Viewer v;
  v.user_id = json_util::str(j, "userId");
  v.display_name = json_util::str(j, "displayName");
  v.joined_at = get_i64(j, "joinedAt");
  v.last_seen_at = get_i64(j, "lastSeenAt");
  v.last_join_ts = get_i64(j, "lastJoinTs");
  v.last_part_ts = get_i64(j, "lastPartTs");
  v.present = get_bool(j, "present");
  return v;
}

json to_store(const StreamSession& s) {
  return json{{"id", s.id},
              {"title", s.title},
              {"startedAt", s.started_at},
              {"endedAt", s.ended_at},
              {"peakViewers", s.peak_viewers}};
}

StreamSession stream_from_store(const json& j) {
  StreamSession s;
  s.id = json_util::str(j, "id");
  s.title = json_util::str(j, "title");
  s.started_at = get_i64(j, "startedAt");
  s.ended_at = get_i64(j, "endedAt");
  int64_t peak = get_i64(j, "peakViewers");
  s.peak_viewers = static_cast<int>(std::clamp<int64_t>(peak, 0, std::numeric_limits<int>::max()));
  return s;
}

json to_store(const ViewerSession& s) {
  return json{{"userId", s.user_id},     {"displayName", s.display_name},
              {"streamId", s.stream_id}, {"joinedAt", s.joined_at},
              {"leftAt", s.left_at},     {"watchSeconds", s.watch_seconds},
              {"reason", s.reason}};
}

}  // namespace wm::owncast
