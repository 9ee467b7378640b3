#include "notify/support_announcer.h"

#include "core/log.h"
#include "notify/announce.h"
#include "notify/outcome.h"

namespace wm::notify {

Result<std::string> support_announcement(const events::Support& s, const SupportAnnounceConfig& c) {
  Vars v;
  v.name = s.display_name;
  v.anonymous = s.anonymous;
  v.amount = openpayments::restyle_display(openpayments::format_amount(s.rate), c.style);
  v.title = c.title;
  return render_template(support_template(c.tmpl), v);
}

events::Subscription support_announce_subscription(store::Store& store, std::function<SupportAnnounceConfig()> config) {
  events::Subscription sub;
  sub.name = std::string(kSupportAnnounceSubscriber);
  sub.delivery = events::Delivery::durable;
  sub.types = {events::Type::support_started};
  sub.handler = [&store, config](const events::Event& e) {
    const events::Support* s = e.support();
    if (!s || s->status != "active" || s->rate.empty()) return;  // only after the wallet consented
    const std::string key = "support:" + s->support_id;
    if (load_outcome(store, key)) return;  // announced (or decided) before: a replay
    const SupportAnnounceConfig c = config();
    if (!c.enabled || !c.outbox) {
      (void)record_outcome(store, key, Outcome{false, std::string(c.enabled ? kSkipNotConnected : "off")});
      return;
    }
    auto text = support_announcement(*s, c);
    if (!text) {
      log::warn("support announcement skipped", {{"support", s->support_id}, {"error", text.error().message}});
      (void)record_outcome(store, key, Outcome{false, std::string(kSkipFailed)});
      return;
    }
    auto st = c.outbox->enqueue(*text, [&](store::WriteTxn& txn) {
      return record_first_outcome(store, txn, key, Outcome{true, {}});
    });
    if (!st && st.error().code != "already_recorded")
      log::warn("support announcement not queued", {{"support", s->support_id}, {"error", st.error().message}});
  };
  return sub;
}

}  // namespace wm::notify
