#include "alerts/sse.h"

#include "core/timeutil.h"

namespace wm::alerts {

std::string frame(const Frame& f) {
  std::string out;
  if (f.id) out += "id: " + std::to_string(f.id) + "\n";
  out += "event: " + f.event + "\n";
  // dump() without indent is one line: newlines inside strings are escaped as \n.
  out += "data: " + f.data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
  return out;
}

std::string heartbeat() { return ": hb\n\n"; }

nlohmann::json tip_data(const events::Event& e, const events::Tip& t, const View& view) {
  const bool test = e.type == events::Type::test;
  const openpayments::Amount& amount = test ? view.sample : t.amount;
  const Variation* v = variation_for(view.settings, amount);
  // A message the streamer hid is never shown or spoken (checked per frame: live and on replay).
  const bool hidden = !test && view.hidden && view.hidden(t.tip_id);
  const std::string message = hidden ? std::string() : t.message;
  const bool speak = !message.empty() && view.settings.speak_min && at_least(amount, *view.settings.speak_min) == true;
  return {{"id", test ? "test-" + std::to_string(e.seq) : t.tip_id},
          {"seq", e.seq},
          {"name", t.anonymous || t.display_name.empty() ? "Anonymous" : t.display_name},
          {"amount", openpayments::to_json(amount)},
          {"display", openpayments::restyle_display(openpayments::format_amount(amount), view.style)},
          {"message", message},
          {"tier", t.tier},
          {"test", test},
          {"variation", v ? v->name : ""},
          {"speak", speak},
          {"at", timeutil::format_rfc3339(e.at_ns)}};
}

std::optional<Frame> frame_of(const events::Event& e, const View& view) {
  using events::Type;
  switch (e.type) {
    case Type::tip_cleared: {
      const events::Tip* t = e.tip();
      if (!t || t->amount.empty()) return std::nullopt;
      if (view.settings.alert_min && at_least(t->amount, *view.settings.alert_min) == false) return std::nullopt;
      return Frame{"tip", tip_data(e, *t, view), e.seq};
    }
    case Type::test: {
      events::Tip t;
      t.display_name = "Test Viewer";
      t.message = "This is a test alert";
      return Frame{"tip", tip_data(e, t, view), e.seq};
    }
    case Type::follow_received: {
      const events::Follow* f = e.follow();
      if (!f) return std::nullopt;
      return Frame{"follow", {{"id", f->event_id}, {"seq", e.seq}, {"name", f->name}, {"account", f->account}}, e.seq};
    }
    case Type::stream_started:
    case Type::stream_stopped: {
      const events::Stream* s = e.stream();
      return Frame{"stream",
                   {{"seq", e.seq},
                    {"state", e.type == Type::stream_started ? "started" : "stopped"},
                    {"title", s ? s->title : ""}},
                   e.seq};
    }
    case Type::support_started:
    case Type::support_payment:
    case Type::support_stopped: {
      const events::Support* s = e.support();
      if (!s) return std::nullopt;
      const char* kind = e.type == Type::support_started ? "started" : e.type == Type::support_payment ? "payment" : "stopped";
      nlohmann::json d{{"seq", e.seq}, {"kind", kind}, {"id", s->support_id}, {"status", s->status},
                       {"name", s->anonymous ? "Anonymous" : s->display_name.empty() ? "Someone" : s->display_name}};
      if (!s->rate.empty()) d["rate"] = openpayments::to_json(s->rate);
      if (!s->paid.empty()) {
        d["paid"] = openpayments::to_json(s->paid);
        d["display"] = openpayments::restyle_display(openpayments::format_amount(s->paid), view.style);
      }
      Frame f{"support", std::move(d), e.seq};
      f.dashboard_only = true;
      return f;
    }
    default: return std::nullopt;  // tip.completed (moderation decides), tip.failed, tip.denied, presence
  }
}

}  // namespace wm::alerts
