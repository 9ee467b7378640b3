#include "owncast/bus_events.h"

namespace wm::owncast {

namespace {

events::Draft viewer(events::Type type, const std::string& user_id, const std::string& name, int64_t at) {
  return {type, events::Viewer{user_id, name}, at};
}

events::Draft stream(events::Type type, const StreamSession& s, int64_t at) {
  return {type, events::Stream{s.id, s.title}, at};
}

}  // namespace

void append_drafts(const Changes& c, StreamEffect effect, std::vector<events::Draft>& out) {
  for (const auto& s : c.closed) out.push_back(viewer(events::Type::viewer_left, s.user_id, s.display_name, s.left_at));
  if (c.ended_stream) out.push_back(stream(events::Type::stream_stopped, *c.ended_stream, c.ended_stream->ended_at));
  if (c.stream && c.stream->ended_at != 0) out.push_back(stream(events::Type::stream_stopped, *c.stream, c.stream->ended_at));
  if (c.stream && c.stream->ended_at == 0 && effect == StreamEffect::started)
    out.push_back(stream(events::Type::stream_started, *c.stream, c.stream->started_at));
  for (const auto& v : c.joined) out.push_back(viewer(events::Type::viewer_joined, v.user_id, v.display_name, v.joined_at));
}

void append_follow(const Event& e, int64_t received_ns, std::vector<events::Draft>& out) {
  if (kind_info(e.type).kind != EventKind::follow) return;
  events::Follow f;
  f.event_id = e.id;
  if (!e.follower_account.empty())
    f.account = e.follower_account[0] == '@' ? e.follower_account : "@" + e.follower_account;
  f.name = e.follower_name.empty() ? f.account : e.follower_name;
  out.push_back({events::Type::follow_received, std::move(f), e.event_time_ns ? e.event_time_ns : received_ns});
}

}  // namespace wm::owncast
