// App's private state and its wiring steps, shared by app.cpp (lifecycle), app_services.cpp
// (what reconfigure() rebuilds) and app_wiring.cpp (routes and bus subscribers). lib/app only.
#pragma once
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "admin/auth.h"
#include "alerts/goals.h"
#include "alerts/hub.h"
#include "alerts/overlay_key.h"
#include "alerts/settings.h"
#include "app/app.h"
#include "app/settings.h"
#include "app/settings_validate.h"
#include "core/config.h"
#include "core/metrics.h"
#include "events/bus.h"
#include "http/server.h"
#include "moderation/moderator.h"
#include "notify/announce.h"
#include "notify/announce_subscriber.h"
#include "notify/outbox.h"
#include "notify/support_announcer.h"
#include "openpayments/client.h"
#include "openpayments/money.h"
#include "owncast/reconciler.h"
#include "owncast/service.h"
#include "store/store.h"
#include "support/support_service.h"
#include "support/wm_revenue.h"
#include "tips/tip_service.h"
#include "tips/viewer_sessions.h"
#include "webhooks/service.h"

namespace wm::app {

// One generation of the tip stack: the Open Payments client and the tip service that uses it
// (destroyed in reverse order: the service first).
struct TipStack {
  std::unique_ptr<openpayments::Client> client;
  std::unique_ptr<tips::TipService> service;
  std::unique_ptr<support::SupportService> support;  // streaming support (lib/support)
  std::unique_ptr<support::WmRevenue> revenue;       // Web Monetization revenue worker (lib/support/wm_revenue.h)
};

// The currency-display setting (validated by load_config and Settings; "code" otherwise).
inline openpayments::CurrencyStyle style_of(const Config& c) {
  return openpayments::parse_currency_style(c.currency_display).value_or(openpayments::CurrencyStyle::code);
}

struct App::Impl {
  Config base;  // flags, environment, config file, defaults
  Metrics metrics;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<notify::Announcer> announcer;  // a bus subscriber: declared before the bus
  std::unique_ptr<moderation::Moderator> moderator;  // the "moderation" bus subscriber (issue 13)
  std::unique_ptr<events::Bus> bus;              // domain events, after their commit
  std::unique_ptr<owncast::Service> service;     // publishes to the bus: declared after it
  std::unique_ptr<Settings> settings;
  std::unique_ptr<admin::AdminAuth> auth;
  std::unique_ptr<tips::ViewerSessions> viewers;  // the widget's 30-minute wallet memory
  std::unique_ptr<http::Server> server;
  std::unique_ptr<http::Server> hook_server;  // --webhook-listen: Owncast's webhook on its own threads
  std::string hook_url;                       // that listener's base URL, known after bind()
  std::vector<int> own_ports;                 // our listeners, refused as targets (net::note_own_listener)
  std::vector<std::string> tokens;
  std::string setup_token;  // one-time first-run link (printed by main), empty when a password is set
  std::unique_ptr<webhooks::Webhooks> hooks;  // outgoing webhooks: a durable bus subscriber
  std::vector<webhooks::Listener> own;        // our listen addresses (guarded by live_mu)

  // What the admin page can change at run time, rebuilt by reconfigure().
  std::mutex reconf_mu;  // one reconfigure at a time
  mutable std::mutex live_mu;  // guards the fields below
  Config cfg;              // effective configuration
  std::string public_url;  // known after bind()
  bool bound = false;
  std::shared_ptr<TipStack> tips;
  std::shared_ptr<notify::Outbox> outbox;  // chat announcements
  std::unique_ptr<owncast::Reconciler> reconciler;

  // Live alerts (issue 13): the SSE hub (a bus subscriber) and the overlay key.
  std::unique_ptr<alerts::OverlayKey> overlay_key;
  std::unique_ptr<alerts::Hub> hub;
  std::unique_ptr<alerts::Goals> goals;  // a durable bus subscriber ("goals")
  Status start_goals(http::Server& server);
  alerts::AlertSettings alert_settings;  // guarded by live_mu
  alerts::View alert_view() const;
  bool below_alert_min(const events::Tip& t) const {
    std::lock_guard<std::mutex> lock(live_mu);
    return alert_settings.alert_min && alerts::at_least(t.amount, *alert_settings.alert_min) == false;
  }
  Status start_alerts(http::Server& server, const Config& config);

  std::mutex shutdown_mu;
  bool shut = false;
  std::mutex run_mu;
  std::condition_variable run_cv;
  bool serving = false;   // run() is inside the server loop
  bool stopping = false;  // shutdown() has begun

  // Announcements wait for the first reconfigure(): a tip replayed from the journal at start must
  // see the configured outbox, not "Owncast not connected".
  mutable std::mutex ready_mu;
  mutable std::condition_variable ready_cv;
  bool ready = false;
  void set_ready() {
    {
      std::lock_guard<std::mutex> lock(ready_mu);
      ready = true;
    }
    ready_cv.notify_all();
  }

  // Subscribers read the fields below: their threads end before any member is destroyed.
  ~Impl() {
    set_ready();
    if (bus) bus->stop();
  }

  Config current() const {
    std::lock_guard<std::mutex> lock(live_mu);
    return cfg;
  }
  openpayments::CurrencyStyle currency_style() const { return style_of(current()); }
  std::string url() const {
    std::lock_guard<std::mutex> lock(live_mu);
    return public_url;
  }
  std::string webhook_base() const {
    std::lock_guard<std::mutex> lock(live_mu);
    return hook_server ? hook_url : public_url;
  }
  std::shared_ptr<tips::TipService> tip_service() const {
    std::lock_guard<std::mutex> lock(live_mu);
    if (!tips) return nullptr;
    return std::shared_ptr<tips::TipService>(tips, tips->service.get());
  }
  std::shared_ptr<support::SupportService> support_service() const {
    std::lock_guard<std::mutex> lock(live_mu);
    if (!tips) return nullptr;
    return std::shared_ptr<support::SupportService>(tips, tips->support.get());
  }
  support::SupportOptions support_options(const Config& c);
  std::string live_stream_session() const {
    auto streams = service->list_streams(1);
    const auto& list = streams["streams"];
    if (!list.empty() && list[0].value("live", false)) return list[0].value("id", "");
    return {};
  }

  Status reconfigure();
  Result<std::shared_ptr<TipStack>> build_tips(const Config& c);
  void tip_final(const tips::TipRecord& t);
  notify::AnnounceConfig announce_config() const;
  notify::SupportAnnounceConfig support_announce_config() const {
    const notify::AnnounceConfig a = announce_config();  // waits for the first reconfigure()
    const Config c = current();
    return {a.outbox, c.support_announce, c.support_announce_template, a.style, a.title};
  }
  std::optional<WalletAsset> wallet_asset() const;

  // App::create's steps, in order (app.cpp; routes and subscribers in app_wiring.cpp).
  Status open_store(const Config& config);
  Status start_owncast(const Config& config);
  Status subscribe_core();
  void start_admin(const Config& config);
  Status configure_first();
  Status make_servers(const Config& config);
  void register_public_routes();
  void register_admin(const Config& config);
  Status start_webhooks();
  Status subscribe_support_live();
  Result<std::string> preview_announcement(const std::string& tmpl, const nlohmann::json& options) const;
  void publish_support(const support::SupportNote& n);
  std::function<std::optional<std::pair<std::string, int>>()> wallet_currency();
};

// Body limits chosen before a body is read (app_wiring.cpp).
http::ServerOptions server_options(const Config& config, const std::vector<std::string>& tokens,
                                   http::TrustedProxies proxies);

}  // namespace wm::app
