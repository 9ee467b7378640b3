#include "owncast/presence.h"

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <utility>

#include "owncast/event_kinds.h"

namespace wm::owncast {

namespace {

using json = nlohmann::json;

constexpr int64_t kNsPerSecond = 1000000000LL;
// Absent viewers are kept (for last_part_ts ordering) until this long after their last activity.
constexpr int64_t kForgetAbsentNs = 3600LL * kNsPerSecond;

int64_t sat_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return r;
}

int64_t watch_seconds(int64_t joined_at, int64_t left_at) {
  int64_t d = 0;
  if (__builtin_sub_overflow(left_at, joined_at, &d) || d <= 0) return 0;
  return d / kNsPerSecond;
}

bool same(const Viewer& a, const Viewer& b) {
  return a.user_id == b.user_id && a.display_name == b.display_name && a.joined_at == b.joined_at &&
         a.last_seen_at == b.last_seen_at && a.last_join_ts == b.last_join_ts &&
         a.last_part_ts == b.last_part_ts && a.present == b.present;
}

bool same(const StreamSession& a, const StreamSession& b) {
  return a.id == b.id && a.title == b.title && a.started_at == b.started_at &&
         a.ended_at == b.ended_at && a.peak_viewers == b.peak_viewers;
}

bool same(const std::optional<StreamSession>& a, const std::optional<StreamSession>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || same(*a, *b);
}

bool same(const StreamState& a, const StreamState& b) {
  return a.online == b.online && a.title == b.title && a.started_at == b.started_at &&
         a.current_viewers == b.current_viewers && a.peak_viewers == b.peak_viewers;
}

// Whether the event carried a stream title at all (so "" is a real, empty title).
bool has_title(const Event& e) { return e.has_stream_title; }

// Tracks the viewers one call touches and reports the net changes at the end, once per viewer,
// in the order they were first touched.
class Recorder {
 public:
  explicit Recorder(std::map<std::string, Viewer>& viewers) : viewers_(viewers) {}

  Viewer& get(const std::string& user_id) {
    auto it = viewers_.find(user_id);
    if (seen_.insert(user_id).second) {
      order_.emplace_back(user_id,
                          it == viewers_.end() ? std::nullopt : std::optional<Viewer>(it->second));
    }
    if (it == viewers_.end()) {
      Viewer v;
      v.user_id = user_id;
      it = viewers_.emplace(user_id, std::move(v)).first;
    }
    return it->second;
  }

  void finish(Changes& out) const {
    for (const auto& [id, before] : order_) {
      auto it = viewers_.find(id);
      if (it == viewers_.end()) continue;
      if (!before || !same(*before, it->second)) out.viewers.push_back(it->second);
      if (it->second.present && (!before || !before->present)) out.joined.push_back(it->second);
    }
  }

 private:
  std::map<std::string, Viewer>& viewers_;
  std::set<std::string> seen_;
  std::vector<std::pair<std::string, std::optional<Viewer>>> order_;
};

// The working set of one mutating call.
struct Ops {
  std::map<std::string, Viewer>& viewers;
  std::optional<StreamSession>& stream;
  StreamState& last;
  Changes& ch;
  Recorder rec;

  Ops(std::map<std::string, Viewer>& v, std::optional<StreamSession>& s, StreamState& l, Changes& c)
      : viewers(v), stream(s), last(l), ch(c), rec(v) {}

  int count() const {
    int n = 0;
    for (const auto& [id, v] : viewers) n += v.present ? 1 : 0;
    return n;
  }

  void close(Viewer& v, int64_t left_at, const char* reason) {
    ViewerSession s;
    s.user_id = v.user_id;
    s.display_name = v.display_name;
    s.stream_id = stream ? stream->id : "";
    s.joined_at = v.joined_at;
    s.left_at = left_at;
    s.watch_seconds = watch_seconds(v.joined_at, left_at);
    s.reason = reason;
    ch.closed.push_back(std::move(s));
    v.present = false;
    v.joined_at = 0;
  }

  // Ends the live session at t: closes every present viewer ("stream_stopped") and remembers
  // the title and peak for the offline state. Returns the ended session.
  std::optional<StreamSession> end_stream(int64_t t) {
    std::vector<std::string> ids;
    for (const auto& [id, v] : viewers) {
      if (v.present) ids.push_back(id);
    }
    for (const auto& id : ids) close(rec.get(id), t, "stream_stopped");
    if (!stream) return std::nullopt;
    StreamSession ended = *stream;
    ended.ended_at = std::max(t, ended.started_at);
    last.title = ended.title;
    last.peak_viewers = ended.peak_viewers;
    stream.reset();
    return ended;
  }

  void update_peak() {
    if (!stream) return;
    int n = count();
    if (n > stream->peak_viewers) stream->peak_viewers = n;
  }
};

// An event's effect on the stream session. False when the event is a duplicate or belongs to an
// earlier session (delivered late): then nothing changes.
bool apply_stream(StreamEffect effect, const Event& e, int64_t t, Ops& ops) {
  std::optional<StreamSession>& stream = ops.stream;
  switch (effect) {
    case StreamEffect::started: {
      // Online/offline comes from the event type; status.online is false at RTMP connect.
      const std::string id = e.id.empty() ? "s-" + std::to_string(t) : e.id;
      if (stream && stream->id == id) return false;  // duplicate delivery
      if (stream && e.event_time_ns != 0 && e.event_time_ns < stream->started_at) return false;
      std::string title = has_title(e) ? e.stream_title : (stream ? stream->title : ops.last.title);
      if (stream) ops.ch.ended_stream = ops.end_stream(t);  // its STREAM_STOPPED was lost
      StreamSession s;
      s.id = id;
      s.title = std::move(title);
      s.started_at = t;
      s.peak_viewers = ops.count();
      ops.last.title = s.title;
      stream = std::move(s);
      return true;
    }
    case StreamEffect::stopped:
      if (stream && e.event_time_ns != 0 && e.event_time_ns < stream->started_at) return false;
      ops.ch.stream = ops.end_stream(t);
      return true;
    case StreamEffect::title:
      if (has_title(e)) {
        ops.last.title = e.stream_title;
        if (stream) stream->title = e.stream_title;
      }
      return true;
    case StreamEffect::none:
      return true;
  }
  return true;
}

// An event's effect on the viewer who sent it (never a bot).
void apply_viewer(PresenceEffect effect, const User& u, int64_t t, Ops& ops) {
  Viewer& v = ops.rec.get(u.id);
  switch (effect) {
    case PresenceEffect::joined:
      v.last_join_ts = std::max(v.last_join_ts, t);
      if (t >= v.last_part_ts) {  // else: older than a part we already applied -> stale
        if (!u.display_name.empty()) v.display_name = u.display_name;
        if (!v.present) {
          v.present = true;
          v.joined_at = t;
        }
        v.last_seen_at = std::max(v.last_seen_at, t);
      }
      break;
    case PresenceEffect::left:
      // Parts are reliable, joins are lossy: a part for an unknown or absent user is recorded
      // (last_part_ts) so that an older JOINED arriving later stays ignored.
      v.last_part_ts = std::max(v.last_part_ts, t);
      if (t >= v.last_join_ts) {  // else: the user re-joined after this part
        if (!u.display_name.empty()) v.display_name = u.display_name;
        if (v.present) ops.close(v, t, "parted");
      }
      break;
    case PresenceEffect::seen:
      if (v.present) {
        if (!u.display_name.empty()) v.display_name = u.display_name;
        v.last_seen_at = std::max(v.last_seen_at, t);
      } else if (v.last_part_ts <= t) {
        // Joins are lossy: activity proves presence.
        if (!u.display_name.empty()) v.display_name = u.display_name;
        v.present = true;
        v.joined_at = t;
        v.last_seen_at = std::max(v.last_seen_at, t);
      }
      // else: the user parted after this was sent; nothing to do.
      break;
    case PresenceEffect::rename:
      // user.displayName is the sanitised name actually applied (newName is raw input).
      if (!u.display_name.empty()) v.display_name = u.display_name;
      v.last_seen_at = std::max(v.last_seen_at, t);
      break;
    case PresenceEffect::none:
      break;
  }
}

}  // namespace

int Presence::present_count() const {
  int n = 0;
  for (const auto& [id, v] : viewers_) n += v.present ? 1 : 0;
  return n;
}

StreamState Presence::state() const {
  StreamState s;
  s.online = stream_.has_value();
  s.title = stream_ ? stream_->title : last_.title;
  s.started_at = stream_ ? stream_->started_at : 0;
  s.current_viewers = present_count();
  s.peak_viewers = stream_ ? stream_->peak_viewers : last_.peak_viewers;
  return s;
}

std::vector<Viewer> Presence::present() const {
  std::vector<Viewer> out;
  for (const auto& [id, v] : viewers_) {
    if (v.present) out.push_back(v);
  }
  std::sort(out.begin(), out.end(), [](const Viewer& a, const Viewer& b) {
    if (a.joined_at != b.joined_at) return a.joined_at < b.joined_at;
    return a.user_id < b.user_id;
  });
  return out;
}

Changes Presence::apply(const Event& e, int64_t received_ns) {
  Changes ch;
  const StreamState state_before = state();
  const std::optional<StreamSession> stream_before = stream_;
  Ops ops(viewers_, stream_, last_, ch);
  const EventKindInfo& kind = kind_info(e.type);

  // Events are ordered by eventData.timestamp when they have one and the table trusts it
  // (NAME_CHANGE's comes from the viewer's browser: Go's zero time from the stock client).
  const int64_t t = (!kind.event_time || e.event_time_ns == 0) ? received_ns : e.event_time_ns;

  if (!apply_stream(kind.stream, e, t, ops)) return ch;  // a duplicate or late stream event
  if (kind.presence != PresenceEffect::none && e.user && !e.user->is_bot && !e.user->id.empty())
    apply_viewer(kind.presence, *e.user, t, ops);

  ops.update_peak();
  ops.rec.finish(ch);
  if (stream_ && !same(stream_, stream_before)) ch.stream = *stream_;
  ch.state_changed = !same(state_before, state());
  return ch;
}

Changes Presence::expire(int64_t now_ns, int64_t idle_ns) {
  Changes ch;
  const StreamState state_before = state();
  const std::optional<StreamSession> stream_before = stream_;
  {
    Ops ops(viewers_, stream_, last_, ch);
    std::vector<std::string> idle;
    for (const auto& [id, v] : viewers_) {
      if (v.present && sat_add(v.last_seen_at, idle_ns) <= now_ns) idle.push_back(id);
    }
    // left_at is the last activity (last_seen_at), not last_seen_at + idle: we only know the
    // viewer was there until then, so the idle period is never credited as watch time.
    for (const auto& id : idle) {
      Viewer& v = ops.rec.get(id);
      ops.close(v, v.last_seen_at, "expired");
    }
    ops.update_peak();
    ops.rec.finish(ch);
  }
  // Keep memory bounded: forget absent viewers with no activity (join, part, chat, rename) for
  // an hour. Their ordering state is old enough not to matter any more. Not reported.
  for (auto it = viewers_.begin(); it != viewers_.end();) {
    const Viewer& v = it->second;
    int64_t last = std::max({v.last_seen_at, v.last_join_ts, v.last_part_ts});
    if (!v.present && sat_add(last, kForgetAbsentNs) <= now_ns) {
      it = viewers_.erase(it);
    } else {
      ++it;
    }
  }
  if (stream_ && !same(stream_, stream_before)) ch.stream = *stream_;
  ch.state_changed = !same(state_before, state());
  return ch;
}

Changes Presence::reconcile(const std::vector<ConnectedClient>& clients, int64_t fetched_at_ns) {
  Changes ch;
  const StreamState state_before = state();
  const std::optional<StreamSession> stream_before = stream_;
  Ops ops(viewers_, stream_, last_, ch);

  // One entry per user (a user may have several websockets): earliest known connect time.
  struct Listed {
    std::string display_name;
    int64_t connected_at = 0;
  };
  std::map<std::string, Listed> listed;
  for (const auto& c : clients) {
    if (c.is_bot || c.user_id.empty()) continue;
    Listed& l = listed[c.user_id];
    if (!c.display_name.empty()) l.display_name = c.display_name;
    if (c.connected_at != 0 && (l.connected_at == 0 || c.connected_at < l.connected_at)) {
      l.connected_at = c.connected_at;
    }
  }

  for (const auto& [id, l] : listed) {
    Viewer& v = ops.rec.get(id);
    if (!v.present) {
      if (v.last_part_ts > fetched_at_ns) continue;  // parted after the list was fetched
      v.present = true;
      v.joined_at = l.connected_at != 0 ? l.connected_at : fetched_at_ns;
    }
    if (!l.display_name.empty()) v.display_name = l.display_name;
    v.last_seen_at = std::max(v.last_seen_at, fetched_at_ns);
  }

  std::vector<std::string> gone;
  for (const auto& [id, v] : viewers_) {
    if (!v.present || listed.count(id)) continue;
    // Joined or seen after the fetch started: the list is older than our knowledge.
    if (v.last_seen_at > fetched_at_ns || v.last_join_ts > fetched_at_ns) continue;
    gone.push_back(id);
  }
  // As with expire(), left_at is the last evidence of presence (last_seen_at).
  for (const auto& id : gone) {
    Viewer& v = ops.rec.get(id);
    ops.close(v, v.last_seen_at, "reconciled");
  }

  ops.update_peak();
  ops.rec.finish(ch);
  if (stream_ && !same(stream_, stream_before)) ch.stream = *stream_;
  ch.state_changed = !same(state_before, state());
  return ch;
}

void Presence::restore(const std::vector<Viewer>& viewers,
                       const std::optional<StreamSession>& live) {
  viewers_.clear();
  for (const auto& v : viewers) {
    if (v.user_id.empty()) continue;
    Viewer copy = v;
    if (!copy.present) copy.joined_at = 0;
    viewers_[copy.user_id] = std::move(copy);
  }
  stream_.reset();
  last_ = StreamState{};
  if (live) {
    last_.title = live->title;
    last_.peak_viewers = live->peak_viewers;
    if (live->ended_at == 0) {
      stream_ = *live;
      stream_->peak_viewers = std::max(stream_->peak_viewers, present_count());
    }
  }
}

}  // namespace wm::owncast
