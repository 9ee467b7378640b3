#include "app/tip_events.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "analytics/support.h"
#include "core/log.h"

namespace wm::app {

namespace {

bool crash_after_publish() {
  static const bool crash = [] {
    const char* v = std::getenv("OWNCAST_WM_TEST_CRASH_AFTER");
    return v && std::string(v) == "tip_published";
  }();
  return crash;
}

}  // namespace

events::Tip tip_body(const tips::TipRecord& t) {
  events::Tip b;
  b.tip_id = t.id;
  b.amount = t.amount;
  b.display_name = t.anonymous ? std::string() : t.display_name;  // never revealed
  b.anonymous = t.anonymous;
  b.message = t.message;
  b.widget_stream = t.stream_id.empty() ? "default" : t.stream_id;
  b.error_code = t.error_code;
  return b;
}

std::optional<events::Type> tip_event_type(tips::TipStatus status) {
  switch (status) {
    case tips::TipStatus::completed: return events::Type::tip_completed;
    case tips::TipStatus::failed: return events::Type::tip_failed;
    case tips::TipStatus::denied: return events::Type::tip_denied;
    default: return std::nullopt;
  }
}

bool publish_tip(events::Bus& bus, store::Store& store, const tips::TipRecord& t, const std::string& stream_session) {
  const auto type = tip_event_type(t.status);
  if (!type) return true;
  events::Tip body = tip_body(t);
  body.stream_id = stream_session;
  if (auto h = analytics::hash_sender(store, t.sender_wallet)) body.sender_hash = std::move(*h);
  else log::warn("tip event without a sender hash", {{"tip", t.id}, {"error", h.error().message}});
  const int64_t at = t.updated_ns > 0 ? t.updated_ns : t.created_ns;
  auto e = bus.publish(*type, std::move(body), at);
  if (!e) {
    log::error("tip event not published", {{"tip", t.id}, {"event", std::string(events::name(*type))},
                                           {"error", e.error().message}});
    return false;
  }
  if (*type == events::Type::tip_completed && crash_after_publish()) {
    log::warn("tip: OWNCAST_WM_TEST_CRASH_AFTER: killing the process", {{"tip", t.id}, {"after", "tip_published"}});
    ::kill(::getpid(), SIGKILL);
    for (;;) ::pause();
  }
  return true;
}

}  // namespace wm::app
