// Support events from the event bus: a durable subscriber (events/bus.h) to tip_completed that
// records each completed tip as a support event (support.h). record_support keeps one event per
// tip id, so a tip the bus delivers twice (journal replay after a crash, or a second publish)
// is counted once.
#pragma once
#include <string_view>

#include "analytics/support.h"
#include "events/bus.h"
#include "store/store.h"

namespace wm::analytics {

inline constexpr std::string_view kSupportSubscriber = "analytics";

// The support event of a tip_completed event: at its time, the widget's stream ("default" when
// none), the Owncast session live at completion, the sender as the event's sender_hash.
SupportEvent support_event(const events::Event& e, const events::Tip& tip);

// Durable, named kSupportSubscriber, tip_completed only. `store` must outlive the bus.
events::Subscription support_subscription(store::Store& store);

}  // namespace wm::analytics
