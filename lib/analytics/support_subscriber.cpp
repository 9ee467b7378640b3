#include "analytics/support_subscriber.h"

#include "core/log.h"

namespace wm::analytics {

SupportEvent support_event(const events::Event& e, const events::Tip& tip) {
  SupportEvent ev;
  ev.tip_id = tip.tip_id;
  ev.stream_id = tip.widget_stream.empty() ? "default" : tip.widget_stream;
  ev.stream_session = tip.stream_id;
  ev.amount = tip.amount;
  ev.sender_hash = tip.sender_hash;
  ev.display_name = tip.display_name;
  ev.anonymous = tip.anonymous;
  ev.message = tip.message;
  ev.at_ns = e.at_ns;
  return ev;
}

events::Subscription support_subscription(store::Store& store) {
  events::Subscription s;
  s.name = std::string(kSupportSubscriber);
  s.delivery = events::Delivery::durable;
  s.types = {events::Type::tip_completed};
  s.handler = [&store](const events::Event& e) {
    const events::Tip* tip = e.tip();
    if (!tip) return;
    if (auto st = record_support(store, support_event(e, *tip)); !st)
      log::warn("support event not recorded", {{"tip", tip->tip_id}, {"error", st.error().message}});
  };
  return s;
}

}  // namespace wm::analytics
