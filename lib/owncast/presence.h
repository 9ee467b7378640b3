// Stream state and viewer presence, driven by Owncast events (each type's effect comes from the
// table in event_kinds.h). Pure logic: no I/O, no clock, no locking (the owner serialises
// calls). Every mutating call returns what changed so the caller can persist exactly that.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "owncast/event.h"

namespace wm::owncast {

struct Viewer {
  std::string user_id;
  std::string display_name;
  int64_t joined_at = 0;     // ns; start of the current session (0 when not present)
  int64_t last_seen_at = 0;  // ns; latest activity (join, chat, rename, reconcile)
  int64_t last_join_ts = 0;  // ns; event time of the latest USER_JOINED applied
  int64_t last_part_ts = 0;  // ns; event time of the latest USER_PARTED applied
  bool present = false;
};

// A finished viewer session.
struct ViewerSession {
  std::string user_id;
  std::string display_name;
  std::string stream_id;     // "" if no stream was live
  int64_t joined_at = 0;
  int64_t left_at = 0;
  int64_t watch_seconds = 0;  // max(0, left_at - joined_at) / 1e9
  std::string reason;         // "parted", "expired", "stream_stopped", "reconciled"
};

struct StreamSession {
  std::string id;            // STREAM_STARTED eventData.id, or "s-<started_at ns>" when empty
  std::string title;
  int64_t started_at = 0;    // ns
  int64_t ended_at = 0;      // ns; 0 while live
  int peak_viewers = 0;
};

struct StreamState {
  bool online = false;
  std::string title;
  int64_t started_at = 0;    // ns; 0 when offline
  int current_viewers = 0;
  int peak_viewers = 0;      // of the current (or last) stream session
};

// One entry of Owncast's GET /api/integrations/clients.
struct ConnectedClient {
  std::string user_id;
  std::string display_name;
  bool is_bot = false;
  int64_t connected_at = 0;  // ns; 0 if unknown
};
// Parses the /api/integrations/clients response array (unknown keys ignored).
Result<std::vector<ConnectedClient>> parse_clients(std::string_view body);

struct Changes {
  std::vector<Viewer> viewers;           // viewers whose state changed (upsert these)
  std::vector<ViewerSession> closed;     // sessions that ended
  std::vector<Viewer> joined;            // viewers who became present (also in `viewers`)
  std::optional<StreamSession> stream;   // stream session that changed (upsert)
  // A previous session ended implicitly (STREAM_STARTED with a new id while another session was
  // still live, i.e. its STREAM_STOPPED was lost): upsert it too, before `stream`.
  std::optional<StreamSession> ended_stream;
  bool state_changed = false;            // StreamState changed
  bool empty() const {
    return viewers.empty() && closed.empty() && !stream && !ended_stream && !state_changed;
  }
};

class Presence {
 public:
  static constexpr int64_t kIdleTimeoutNs = 30LL * 60 * 1000000000;

  // Applies one event. received_ns is the receive time (used when the event has no time,
  // and always for NAME_CHANGE). Bots (user.isBot) are never viewers.
  Changes apply(const Event& e, int64_t received_ns);
  // Closes sessions with no activity for idle_ns.
  Changes expire(int64_t now_ns, int64_t idle_ns = kIdleTimeoutNs);
  // Replaces the present set with Owncast's connected clients as of fetched_at_ns. Viewers who
  // joined (or were seen) after fetched_at_ns are kept even when absent from the list.
  Changes reconcile(const std::vector<ConnectedClient>& clients, int64_t fetched_at_ns);

  StreamState state() const;
  std::vector<Viewer> present() const;          // sorted by joined_at, then user_id
  const std::optional<StreamSession>& current_stream() const { return stream_; }

  // Restores persisted state (at start-up).
  void restore(const std::vector<Viewer>& viewers, const std::optional<StreamSession>& live);

 private:
  std::map<std::string, Viewer> viewers_;
  std::optional<StreamSession> stream_;  // live session, if online
  StreamState last_;                     // title/peak of the last session when offline
  int present_count() const;
};

// JSON (de)serialisation used for persistence and APIs. Times are RFC 3339 UTC strings
// ("" -> 0 / null) in API shapes; persistence uses integer ns.
nlohmann::json to_store(const Viewer& v);
Viewer viewer_from_store(const nlohmann::json& j);
nlohmann::json to_store(const StreamSession& s);
StreamSession stream_from_store(const nlohmann::json& j);
nlohmann::json to_store(const ViewerSession& s);

}  // namespace wm::owncast
