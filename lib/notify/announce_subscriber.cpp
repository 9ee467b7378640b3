#include "notify/announce_subscriber.h"

#include <optional>

#include "core/decimal.h"
#include "core/log.h"
#include "notify/announce.h"

namespace wm::notify {

std::string_view skip_reason(const events::Tip& tip, const AnnounceConfig& c, bool force) {
  if (!c.outbox) return kSkipNotConnected;
  if (force || c.announce_min.empty()) return {};
  auto min = decimal::to_units(c.announce_min, tip.amount.asset_scale);
  if (!min) {
    log::warn("announce-min does not fit the tip's currency; announcing",
              {{"tip", tip.tip_id}, {"error", min.error().message}});
    return {};
  }
  return tip.amount.units < *min ? kSkipBelowMinimum : std::string_view();
}

Announcer::Announcer(store::Store& store, AnnouncerOptions opts)
    : store_(store), opts_(std::move(opts)), below_(&own_below_), not_connected_(&own_not_connected_),
      failed_(&own_failed_) {
  if (!opts_.metrics) return;
  const std::string help = "Completed tips not announced in chat, by reason";
  const std::string name = "owncast_wm_announcements_skipped_total";
  below_ = opts_.metrics->counter(name, help, "reason", std::string(kSkipBelowMinimum));
  not_connected_ = opts_.metrics->counter(name, help, "reason", std::string(kSkipNotConnected));
  failed_ = opts_.metrics->counter(name, help, "reason", std::string(kSkipFailed));
}

events::Subscription Announcer::subscription() {
  events::Subscription s;
  s.name = std::string(kAnnounceSubscriber);
  s.delivery = events::Delivery::durable;
  s.types = {events::Type::tip_cleared};  // after moderation (lib/moderation): filtered, approved
  s.handler = [this](const events::Event& e) {
    if (const events::Tip* t = e.tip()) handle(*t);
  };
  return s;
}

// Renders the template and queues the text; with `record`, the tip's "queued" outcome is written
// in the same transaction, and only if the tip has no outcome yet ("already_recorded").
Status Announcer::enqueue(const events::Tip& tip, const AnnounceConfig& c, bool record) {
  Vars v;
  v.name = tip.display_name;
  v.anonymous = tip.anonymous;
  v.amount = openpayments::restyle_display(openpayments::format_amount(tip.amount), c.style);
  v.title = c.title;
  const std::string_view tmpl = c.tmpl.empty() ? kDefaultTemplate : std::string_view(c.tmpl);
  auto without = render_template(tmpl, v);  // what goes out if the message is hidden before it is sent
  if (!without) return without.error();
  v.message = opts_.hidden && opts_.hidden(tip.tip_id) ? std::string() : tip.message;
  auto text = render_template(tmpl, v);
  if (!text) return text.error();
  auto also = [&](store::WriteTxn& txn) {
    return record ? record_first_outcome(store_, txn, tip.tip_id, Outcome{true, {}}) : ok_status();
  };
  return c.outbox->enqueue(*text, also, Outbox::ForTip{tip.tip_id, *without});
}

Status Announcer::announce(const events::Tip& tip, bool force) {
  const AnnounceConfig c = opts_.config();
  const std::string_view why = skip_reason(tip, c, force);
  if (why == kSkipNotConnected)
    return Error{"not_configured", "Owncast is not connected (set its URL and an access token)"};
  if (why == kSkipBelowMinimum)
    return Error{"below_minimum", "the tip is below the minimum amount to announce (" + c.announce_min + ")"};
  return enqueue(tip, c, false);
}

void Announcer::handle(const events::Tip& tip) {
  if (load_outcome(store_, tip.tip_id)) return;  // decided before: a replay or a second publish
  const AnnounceConfig c = opts_.config();
  Outcome outcome{false, std::string(skip_reason(tip, c, false))};
  std::optional<Error> failure;
  if (outcome.reason.empty()) {
    Status st = enqueue(tip, c, true);
    if (st || st.error().code == "already_recorded") return;
    outcome.reason = std::string(kSkipFailed);
    failure = st.error();
  }
  if (auto s = record_outcome(store_, tip.tip_id, outcome); !s)
    log::warn("announcement outcome not recorded", {{"tip", tip.tip_id}, {"error", s.error().message}});
  count_skip(tip, outcome, failure ? &*failure : nullptr);
}

void Announcer::count_skip(const events::Tip& tip, const Outcome& outcome, const Error* error) {
  Counter* c = outcome.reason == kSkipNotConnected  ? not_connected_
               : outcome.reason == kSkipBelowMinimum ? below_
                                                     : failed_;
  c->inc();
  if (error)
    log::warn("tip announcement skipped", {{"tip", tip.tip_id}, {"reason", outcome.reason}, {"error", error->message}});
  else
    log::info("tip announcement skipped", {{"tip", tip.tip_id}, {"reason", outcome.reason}});
}

std::string Announcer::status_of(const events::Tip& tip) const {
  if (auto o = load_outcome(store_, tip.tip_id)) return o->queued ? "queued" : "skipped";
  return skip_reason(tip, opts_.config(), false).empty() ? "queued" : "skipped";
}

}  // namespace wm::notify
