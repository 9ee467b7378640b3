// Chat announcement when a viewer starts streaming support ("pay while you watch", issue 14): a
// durable bus subscriber to support.started, which lib/support publishes only once the viewer's
// wallet approved the grant (status active). Once per support session: the outbox row and the
// session's outcome ("announcement/support:<id>", outcome.h) are written in one transaction, so a
// replayed event never gives a second message. Off with the setting support-announce=off.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "events/bus.h"
#include "notify/outbox.h"
#include "openpayments/money.h"
#include "store/store.h"

namespace wm::notify {

inline constexpr std::string_view kSupportAnnounceSubscriber = "announce-support";

struct SupportAnnounceConfig {
  std::shared_ptr<Outbox> outbox;  // null: Owncast is not connected
  bool enabled = true;             // support-announce
  std::string tmpl;                // support-announce-template; "" = kDefaultSupportTemplate
  openpayments::CurrencyStyle style = openpayments::CurrencyStyle::code;
  std::string title;               // {title}
};

// The text for a support.started event ({name}: the display name, "Someone" when anonymous or
// empty; {rate}: the rate per hour). Errors: "invalid_template".
Result<std::string> support_announcement(const events::Support& s, const SupportAnnounceConfig& c);

// Durable, named kSupportAnnounceSubscriber, support_started only.
events::Subscription support_announce_subscription(store::Store& store,
                                                   std::function<SupportAnnounceConfig()> config);

}  // namespace wm::notify
