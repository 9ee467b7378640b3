#include "app/app.h"

#include "app/admin_http.h"
#include "app/admin_routes.h"
#include "app/alert_routes.h"
#include "app/goal_routes.h"
#include "app/moderation_routes.h"
#include "app/op_config.h"
#include "app/routes.h"
#include "app/settings.h"
#include "app/setup_state.h"
#include "app/tip_events.h"
#include "app/settings_validate.h"
#include "app/tier_routes.h"
#include "app/tip_routes.h"
#include "app/viewer_routes.h"
#include "app/webhook_out_routes.h"
#include "app/widget_config_routes.h"
#include "app/widget_routes.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "admin/auth.h"
#include "alerts/hub.h"
#include "alerts/overlay_key.h"
#include "analytics/support.h"
#include "analytics/support_subscriber.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/timeutil.h"
#include "events/bus.h"
#include "moderation/moderator.h"
#include "net/http_client.h"
#include "openpayments/client.h"
#include "owncast/reconciler.h"
#include "owncast/service.h"
#include "store/store.h"
#include "notify/announce.h"
#include "notify/announce_subscriber.h"
#include "notify/outbox.h"
#include "notify/outcome.h"
#include "tips/tiers.h"
#include "tips/tip_service.h"
#include "support/support_service.h"
#include "app/support_routes.h"
#include "tips/viewer_sessions.h"
#include "webhooks/service.h"

namespace wm::app {

// One generation of the tip stack: the Open Payments client and the tip service that uses it
// (destroyed in reverse order: the service first).
struct TipStack {
  std::unique_ptr<openpayments::Client> client;
  std::unique_ptr<tips::TipService> service;
  std::unique_ptr<support::SupportService> support;  // streaming support (lib/support)
};

// The currency-display setting (validated by load_config and Settings; "code" otherwise).
static openpayments::CurrencyStyle style_of(const Config& c) {
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
  std::optional<WalletAsset> wallet_asset() const;
};

Result<std::shared_ptr<TipStack>> App::Impl::build_tips(const Config& c) {
  if (c.wallet_address.empty() || c.key_file.empty() || c.key_id.empty()) return std::shared_ptr<TipStack>();
  auto cc = op_client_config(c, true);
  if (!cc) {
    if (cc.error().code == "invalid_config") return cc.error();
    return Error{"invalid_config", "key file: " + cc.error().message};
  }
  auto stack = std::make_shared<TipStack>();
  stack->client = std::make_unique<openpayments::Client>(*cc);
  tips::TipServiceOptions to;
  to.streamer_wallet = c.wallet_address;
  to.rate_per_ip = c.tip_rate_ip;
  to.rate_per_wallet = c.tip_rate_wallet;
  to.receipt_timeout_ms = c.tip_receipt_timeout_s * 1000;
  to.min_amount = c.tip_min;
  to.max_amount = c.tip_max;
  to.anonymous_allowed = c.anonymous_tips;
  Impl* self = this;
  to.callback_url = [self](const std::string& id) { return tip_callback_url(self->url(), id); };
  to.env = tips::crash_env_from_environment();  // tests only: OWNCAST_WM_TEST_CRASH_AFTER
  to.on_completed = [self](const tips::TipRecord& t) { self->tip_final(t); };
  to.on_final = [self](const tips::TipRecord& t) { self->tip_final(t); };
  stack->service = std::make_unique<tips::TipService>(*store, *stack->client, to);
  stack->support = std::make_unique<support::SupportService>(*store, *stack->client, support_options(c));
  return stack;
}

support::SupportOptions App::Impl::support_options(const Config& c) {
  support::SupportOptions so;
  so.streamer_wallet = c.wallet_address;
  Impl* self = this;
  so.callback_url = [self](const std::string& id) { return support_callback_url(self->url(), id); };
  so.interval_ms = int64_t{c.support_interval_s} * 1000;
  // Tests only (README): OWNCAST_WM_TEST_SUPPORT_INTERVAL_MS sets a shorter scheduler period.
  if (const char* t = std::getenv("OWNCAST_WM_TEST_SUPPORT_INTERVAL_MS"); t && *t)
    so.interval_ms = std::max(50L, std::atol(t));
  so.env = tips::crash_env_from_environment();  // tests only: OWNCAST_WM_TEST_CRASH_AFTER
  events::Bus* b = bus.get();
  so.on_event = [b](const support::SupportNote& n) {
    const auto& r = n.record;
    events::Support body{r.id, std::string(support::to_string(r.status)), r.rate, n.amount,
                         openpayments::Amount{r.received_units, r.rate.asset_code, r.rate.asset_scale},
                         r.anonymous ? std::string() : r.display_name, r.anonymous};
    const auto type = n.kind == "started"   ? events::Type::support_started
                      : n.kind == "payment" ? events::Type::support_payment
                                            : events::Type::support_stopped;
    if (auto e = b->publish(type, body); !e) log::warn("support: event not published", {{"error", e.error().message}});
  };
  return so;
}

Status App::Impl::reconfigure() {
  std::lock_guard<std::mutex> guard(reconf_mu);
  Config c = settings->effective();
  auto stack = build_tips(c);
  if (!stack) return stack.error();
  std::shared_ptr<notify::Outbox> box;
  std::unique_ptr<owncast::Reconciler> rec;
  if (!c.owncast_url.empty() && !c.owncast_token.empty()) {
    // Completed tips are announced in Owncast chat through a persisted outbox; Owncast being
    // down or refusing never affects the tip.
    auto poster = std::make_shared<notify::ChatPoster>(owncast::ApiClient(c.owncast_url, c.owncast_token));
    notify::OutboxOptions oo;
    oo.metrics = &metrics;
    box = std::make_shared<notify::Outbox>(
        *store, [poster](const std::string& text) { return poster->post_system_message(text); }, oo);
    if (c.owncast_reconcile_s > 0)
      rec = std::make_unique<owncast::Reconciler>(owncast::ApiClient(c.owncast_url, c.owncast_token), *service,
                                                  c.owncast_reconcile_s);
  }
  std::shared_ptr<TipStack> old_tips;
  std::shared_ptr<notify::Outbox> old_box;
  std::unique_ptr<owncast::Reconciler> old_rec;
  bool start_rec;
  {
    std::lock_guard<std::mutex> lock(live_mu);
    c.public_url = public_url.empty() ? c.public_url : public_url;
    cfg = c;
    old_tips = std::exchange(tips, *stack);
    old_box = std::exchange(outbox, box);
    old_rec = std::exchange(reconciler, std::move(rec));
    start_rec = bound;
  }
  // The old generation leaves first: a tip it was working on stays committed in its last state
  // and the new service resumes it; pending announcements stay in the store for the new outbox.
  if (old_tips) old_tips->service->stop();
  if (old_tips) old_tips->support->shutdown();
  if (old_box) old_box->stop();
  if (old_rec) old_rec->stop();
  if (box) box->start();
  if (*stack) (*stack)->service->recover();
  if (*stack) {
    (*stack)->support->set_live(!live_stream_session().empty());
    (*stack)->support->recover();
  }
  if (start_rec) {
    std::lock_guard<std::mutex> lock(live_mu);
    if (reconciler) reconciler->start();
  }
  return ok_status();
}

// A tip's final state goes to the bus; announcements and analytics are its subscribers.
void App::Impl::tip_final(const tips::TipRecord& t) {
  (void)publish_tip(*bus, *store, t, t.status == "completed" ? live_stream_session() : std::string());
}

notify::AnnounceConfig App::Impl::announce_config() const {
  {
    std::unique_lock<std::mutex> lock(ready_mu);
    ready_cv.wait(lock, [this] { return ready; });
  }
  notify::AnnounceConfig a;
  {
    std::lock_guard<std::mutex> lock(live_mu);
    a.outbox = outbox;
    a.tmpl = cfg.announce_template;
    a.announce_min = cfg.announce_min;
    a.style = style_of(cfg);
  }
  a.title = service->stream_state().title;
  return a;
}

// Body limits chosen before a body is read: 2 MiB for the webhook with a valid token, the JSON
// API limit (64 KiB) for everything else.
static http::ServerOptions server_options(const Config& config, const std::vector<std::string>& tokens,
                                          http::TrustedProxies proxies) {
  http::ServerOptions ho;
  ho.max_body = 2u << 20;
  ho.threads = config.http_threads;
  ho.access_log = config.access_log;
  ho.trusted_proxies = std::move(proxies);
  const size_t api = ho.api_max_body, hook = ho.max_body;
  ho.body_limit = [tokens, api, hook](std::string_view method, std::string_view path) -> uint64_t {
    static constexpr std::string_view kHook = "/webhooks/owncast/";
    if (method == "POST" && path.substr(0, kHook.size()) == kHook && owncast::token_matches(tokens, path.substr(kHook.size())))
      return hook;
    return api;
  };
  return ho;
}

std::optional<WalletAsset> App::Impl::wallet_asset() const {
  auto svc = tip_service();
  if (!svc) return std::nullopt;
  auto w = svc->streamer_wallet();
  if (!w) return std::nullopt;
  return WalletAsset{w->asset_code, w->asset_scale};
}

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
App::~App() {
  shutdown();
  for (int p : impl_->own_ports) net::forget_own_listener(p);
}

Result<std::unique_ptr<App>> App::create(const Config& config) {
  // The tip amounts given as flags, environment or config file must make sense together (the
  // wallet's scale is checked when the wallet is known: in the admin page and at every tip).
  if (auto v = validate_tip_settings({config.tip_min, config.tip_max, config.announce_min}, std::nullopt); !v)
    return Error{"invalid_config", "--" + v.error().field + ": " + v.error().message};
  auto d = std::make_unique<Impl>();
  d->base = config;
  d->cfg = config;
  d->public_url = config.public_url;
  const int64_t started = timeutil::monotonic_ns();
  d->metrics.gauge("owncast_wm_uptime_seconds", "Seconds since the process started",
                   [started] { return (timeutil::monotonic_ns() - started) / 1e9; });
  Histogram* commit = d->metrics.histogram(
      "owncast_wm_store_commit_seconds", "LMDB write transaction commit latency",
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1});

  store::Options so;
  so.dir = config.data_dir;
  so.on_commit = [commit](double s) { commit->observe(s); };
  auto st = store::Store::open(so);
  if (!st) return st.error();
  d->store = std::move(*st);
  d->bus = std::make_unique<events::Bus>(*d->store, d->metrics);

  auto tokens = owncast::webhook_tokens(*d->store, config.webhook_token);
  if (!tokens) return tokens.error();
  d->tokens = *tokens;

  owncast::ServiceOptions opts;
  opts.queue_capacity = config.webhook_queue;
  opts.durable_ack = config.webhook_ack == "durable";
  opts.signatures = config.webhook_signatures;
  opts.secret = config.webhook_secret;
  events::Bus* bus = d->bus.get();
  opts.publish = [bus](std::vector<events::Draft> drafts) {
    if (auto s = bus->publish_all(std::move(drafts)); !s)
      log::warn("Owncast events not published", {{"error", s.error().message}});
  };
  d->service = std::make_unique<owncast::Service>(*d->store, d->metrics, opts);
  if (auto s = d->service->start(); !s) return s.error();
  Impl* raw = d.get();
  d->service->on_stream_started([raw] {
    std::lock_guard<std::mutex> lock(raw->live_mu);
    if (raw->reconciler) raw->reconciler->trigger();
  });

  // Subscribers first, so nothing published at start (recovered tips) passes them by; the
  // announcer waits for the first reconfigure() before it handles anything.
  notify::AnnouncerOptions announce_opts;
  announce_opts.config = [raw] { return raw->announce_config(); };
  announce_opts.hidden = [raw](std::string_view id) { return analytics::is_hidden(*raw->store, id); };
  announce_opts.metrics = &d->metrics;
  d->announcer = std::make_unique<notify::Announcer>(*d->store, std::move(announce_opts));
  // Moderation turns tip_completed into tip_cleared (alerts, announcements); it needs alertMin.
  d->alert_settings = alerts::load_settings(*d->store);
  d->moderator = std::make_unique<moderation::Moderator>(*d->store, *d->bus, moderation::ModeratorOptions{
      [raw](const events::Tip& t) { return raw->below_alert_min(t); }, {}});
  for (auto sub : {d->announcer->subscription(), analytics::support_subscription(*d->store), d->moderator->subscription()})
    if (auto s = d->bus->subscribe(std::move(sub)); !s) return s.error();

  // Tips completed before the event bus existed may lack their support event.
  if (auto n = analytics::record_completed_tips(*d->store); !n)
    log::warn("support events not caught up", {{"error", n.error().message}});

  d->settings = std::make_unique<Settings>(*d->store, config);
  d->settings->set_wallet_asset([raw] { return raw->wallet_asset(); });
  admin::AuthOptions ao;
  ao.idle_timeout_s = config.admin_session_idle_s;
  d->auth = std::make_unique<admin::AdminAuth>(*d->store, ao, config.admin_password);
  if (!d->auth->password_set()) {
    if (auto t = d->auth->issue_setup_token()) d->setup_token = *t;
  }

  // Tips and announcements from the effective settings. A stored setting that no longer works
  // (e.g. a deleted key file) must not keep the sidecar from starting: the admin page shows it.
  Status configured = d->reconfigure();
  d->set_ready();
  if (!configured) {
    for (const char* k : {"wallet-address", "key-id", "key-file"})
      if (d->base.pinned.count(k)) return configured.error();  // the operator's own flags are wrong: say so
    log::warn("tips are not available until the admin page fixes the settings", {{"error", configured.error().message}});
  }

  auto proxies = http::TrustedProxies::parse(config.trusted_proxies);
  if (!proxies) return proxies.error();
  const bool own_hook_listener = config.webhook_listen_port >= 0;
  http::ServerOptions ho = server_options(config, d->tokens, std::move(*proxies));
  if (own_hook_listener) {
    http::ServerOptions hook = ho;
    hook.threads = 16;         // quick handlers; enough for durable-mode group commits
    hook.per_address = 256;    // Owncast may open many connections in a burst
    d->hook_server = std::make_unique<http::Server>(hook, &d->metrics);
    register_webhook_routes(*d->hook_server, *d->service, d->tokens, d->metrics);
    ho.worker_nice = 5;  // public handlers yield the CPU to the webhook listener under load
  }
  d->server = std::make_unique<http::Server>(ho, &d->metrics);
  auto public_url = [raw] { return raw->url(); };
  d->server->set_admin_guard(make_admin_guard(*d->auth, public_url, *d->server));
  register_routes(*d->server, *d->service, {[raw] { return raw->webhook_base(); }, !own_hook_listener, public_url},
                  d->tokens, d->metrics);

  TierConfig tiers;
  tiers.max_body = d->server->options().api_max_body;
  tiers.wallet_currency = [raw]() -> std::optional<std::pair<std::string, int>> {
    auto svc = raw->tip_service();
    if (!svc) return std::nullopt;
    auto w = svc->streamer_wallet();
    if (!w) return std::nullopt;
    return std::make_pair(w->asset_code, w->asset_scale);
  };
  tiers.currency_style = [raw] { return raw->currency_style(); };
  tiers.check_tiers = [raw](const std::vector<TierAmount>& t) {
    const Config c = raw->current();
    return validate_tip_settings({c.tip_min, c.tip_max, c.announce_min}, raw->wallet_asset(), t);
  };
  register_tier_routes(*d->server, *d->store, tiers);

  TipRouteConfig tip_routes;
  tip_routes.max_body = d->server->options().api_max_body;
  tip_routes.public_url = public_url;
  d->viewers = std::make_unique<tips::ViewerSessions>();
  tip_routes.viewer_sessions = d->viewers.get();
  tip_routes.announcement = [raw](const tips::TipRecord& t) { return raw->announcer->status_of(tip_body(t)); };
  register_tip_routes(*d->server, [raw] { return raw->tip_service(); }, tip_routes);
  register_support_routes(*d->server, [raw] { return raw->support_service(); }, [raw] { return raw->url(); },
                          d->server->options().api_max_body);
  register_widget_routes(*d->server, [raw] { return raw->current().owncast_url; });
  register_viewer_routes(*d->server, *d->viewers, d->server->options().api_max_body);

  AdminContext ac;
  ac.store = d->store.get();
  ac.auth = d->auth.get();
  ac.settings = d->settings.get();
  ac.service = d->service.get();
  ac.webhook_tokens = d->tokens;
  ac.data_dir = config.data_dir;
  ac.max_body = d->server->options().api_max_body;
  ac.public_url = public_url;
  ac.webhook_base_url = [raw] { return raw->webhook_base(); };
  ac.reconfigure = [raw] { return raw->reconfigure(); };
  ac.tips = [raw] { return raw->tip_service(); };
  ac.announce = [raw](const tips::TipRecord& t) { return raw->announcer->announce(tip_body(t), true); };
  ac.currency_style = [raw] { return raw->currency_style(); };
  ac.preview = [raw](const std::string& tmpl, const nlohmann::json& options) -> Result<std::string> {
    notify::Vars v;
    v.name = "Ann";
    // Five units of the streamer's currency once its wallet is known (else EUR).
    std::string amount = "5.00 EUR";
    if (auto svc = raw->tip_service()) {
      if (auto w = svc->streamer_wallet()) {
        if (auto a = tips::parse_decimal("5", w->asset_code, w->asset_scale)) amount = openpayments::format_amount(*a);
      }
    }
    auto style = raw->currency_style();
    if (auto it = options.find("currencyDisplay"); it != options.end() && it->is_string())
      style = openpayments::parse_currency_style(it->get<std::string>()).value_or(style);
    v.amount = openpayments::restyle_display(amount, style);
    auto msg = options.find("message");
    v.message = msg != options.end() && msg->is_string() ? msg->get<std::string>() : "Great stream!";
    v.title = raw->service->stream_state().title;
    return notify::render_template(tmpl.empty() ? notify::kDefaultTemplate : std::string_view(tmpl), v);
  };
  ac.live_stream_session = [raw] { return raw->live_stream_session(); };
  register_admin_routes(*d->server, ac);
  register_widget_config_routes(*d->server, {[raw] { return raw->current(); }, tiers.wallet_currency});
  if (auto s = d->start_alerts(*d->server, config); !s) return s.error();

  webhooks::Options wo;
  wo.render = webhook_render(*d->store, [raw] { return raw->current(); }, [raw] { return raw->service->stream_state().title; });
  wo.own = [raw] {
    std::lock_guard<std::mutex> lock(raw->live_mu);
    return raw->own;
  };
  wo.sender = webhooks::make_curl_sender(wo.own);
  d->hooks = std::make_unique<webhooks::Webhooks>(*d->store, std::move(wo));
  if (auto s = d->hooks->start(); !s) return s.error();
  if (auto s = d->bus->subscribe(d->hooks->subscription()); !s) return s.error();
  events::Subscription live;  // streaming support counts watched time only while the stream is live
  live.name = "support-live";
  live.types = {events::Type::stream_started, events::Type::stream_stopped};
  live.handler = [raw](const events::Event& e) {
    if (auto svc = raw->support_service()) svc->set_live(e.type == events::Type::stream_started);
  };
  if (auto s = d->bus->subscribe(std::move(live)); !s) return s.error();
  register_webhook_out_routes(*d->server, [raw] { return raw->hooks.get(); }, d->server->options().api_max_body);
  return std::unique_ptr<App>(new App(std::move(d)));
}

alerts::View App::Impl::alert_view() const {
  alerts::View v;
  v.style = currency_style();
  {
    std::lock_guard<std::mutex> lock(live_mu);
    v.settings = alert_settings;
  }
  v.hidden = [st = store.get()](std::string_view id) { return analytics::is_hidden(*st, id); };
  v.sample = openpayments::Amount{500, "EUR", 2};
  if (auto svc = tip_service()) {
    if (auto w = svc->streamer_wallet()) {
      if (auto a = tips::parse_decimal("5", w->asset_code, w->asset_scale)) v.sample = *a;
    }
  }
  return v;
}

Status App::Impl::start_alerts(http::Server& server, const Config& config) {
  overlay_key = std::make_unique<alerts::OverlayKey>(*store);
  alerts::HubOptions ho;
  ho.max_overlay = ho.max_dashboard = config.sse_max_clients;
  ho.view = [this] { return alert_view(); };
  hub = std::make_unique<alerts::Hub>(*bus, metrics, ho);
  if (auto st = hub->start(); !st) return st;
  AlertRouteConfig ac{hub.get(), overlay_key.get(), bus.get(), store.get(), [this] { return alert_view(); },
                      [this](const alerts::AlertSettings& s) {
                        std::lock_guard<std::mutex> lock(live_mu);
                        alert_settings = s;
                      },
                      [this] { return url(); }, server.options().api_max_body};
  register_alert_routes(server, ac);
  register_moderation_routes(server, {moderator.get(), [this] { return currency_style(); }, server.options().api_max_body});
  return start_goals(server);
}

// Goals (issue 13): progress from tip.completed; every change goes to overlays as a `goal` event.
Status App::Impl::start_goals(http::Server& server) {
  alerts::Hub* h = hub.get();
  goals = std::make_unique<alerts::Goals>(*store, *bus, nullptr, [this, h](const alerts::Goal& g) {
    h->broadcast("goal", goal_public_json(g, currency_style()));
  });
  if (auto st = bus->subscribe(goals->subscription()); !st) return st;
  register_goal_routes(server, {goals.get(), overlay_key.get(), bus.get(), store.get(), [this] { return alert_view(); },
                                [this] { return live_stream_session(); }, server.options().api_max_body});
  return Ok{};
}

Result<int> App::bind() {
  auto port = impl_->server->bind(impl_->base.listen_host, impl_->base.listen_port);
  if (!port) return port;
  std::string hook_url;
  int hook_port = 0;
  if (impl_->hook_server) {
    auto hook = impl_->hook_server->bind(impl_->base.webhook_listen_host, impl_->base.webhook_listen_port);
    if (!hook) return hook.error();
    hook_url = default_public_url(impl_->base.webhook_listen_host, *hook);
    hook_port = *hook;
    impl_->own_ports.push_back(*hook);
  }
  impl_->own_ports.push_back(*port);
  for (int p : impl_->own_ports) net::note_own_listener(p);
  // With --listen ...:0 the real port is known only now.
  std::lock_guard<std::mutex> lock(impl_->live_mu);
  impl_->hook_url = hook_url;
  impl_->own = {{impl_->base.listen_host, *port}};
  if (impl_->hook_server) impl_->own.push_back({impl_->base.webhook_listen_host, hook_port});
  if (!impl_->base.pinned.count("public-url")) {
    impl_->public_url = default_public_url(impl_->base.listen_host, *port);
    impl_->cfg.public_url = impl_->public_url;
  }
  impl_->bound = true;
  if (impl_->reconciler) impl_->reconciler->start();
  return port;
}

void App::run() {
  {
    std::lock_guard<std::mutex> lock(impl_->run_mu);
    if (impl_->stopping) return;
    impl_->serving = true;
  }
  std::thread hook;
  if (impl_->hook_server) hook = std::thread([this] { impl_->hook_server->run(); });
  impl_->server->run();
  if (hook.joinable()) {
    impl_->hook_server->stop();
    hook.join();
  }
  {
    std::lock_guard<std::mutex> lock(impl_->run_mu);
    impl_->serving = false;
  }
  impl_->run_cv.notify_all();
}

void App::shutdown() {
  std::lock_guard<std::mutex> lock(impl_->shutdown_mu);
  if (impl_->shut) return;
  impl_->shut = true;
  {
    std::unique_lock<std::mutex> lock(impl_->run_mu);
    impl_->stopping = true;
    // In-flight requests finish before run() returns. Retried because a stop() that lands
    // before the server loop has started is a no-op in cpp-httplib.
    while (impl_->serving) {
      impl_->server->stop();
      impl_->run_cv.wait_for(lock, std::chrono::milliseconds(50));
    }
    impl_->server->stop();
    if (impl_->hook_server) impl_->hook_server->stop();
  }
  std::shared_ptr<TipStack> tips;
  std::shared_ptr<notify::Outbox> outbox;
  std::unique_ptr<owncast::Reconciler> reconciler;
  {
    std::lock_guard<std::mutex> reconf(impl_->reconf_mu);
    std::lock_guard<std::mutex> live(impl_->live_mu);
    tips = std::move(impl_->tips);
    outbox = std::move(impl_->outbox);
    reconciler = std::move(impl_->reconciler);
  }
  if (reconciler) reconciler->stop();
  if (tips) tips->service->stop();  // workers leave; interrupted tips resume at the next start
  if (impl_->hub) impl_->hub->stop();  // the server closed its streams already
  // Subscribers finish what was published (a durable one resumes from the journal otherwise).
  if (!impl_->bus->drain(5000)) log::warn("event bus: subscribers still busy at shutdown");
  impl_->bus->stop();
  if (outbox) outbox->stop();       // undelivered announcements stay queued in LMDB
  reconciler.reset();
  // The server has stopped, so no request holds the tip stack any more: it goes before the store.
  tips.reset();
  outbox.reset();
  impl_->hooks->stop();  // pending deliveries stay in LMDB for the next start
  impl_->service->stop();  // writes everything still queued (its events are journaled)
  impl_->bus.reset();      // the service's writer, its last publisher, has stopped
  impl_->store.reset();    // closes LMDB and releases the data-dir lock
}

std::vector<std::string> App::webhook_urls() const {
  std::vector<std::string> out;
  const std::string base = impl_->webhook_base();
  for (const auto& t : impl_->tokens) out.push_back(base + "/webhooks/owncast/" + t);
  return out;
}

std::string App::public_url() const { return impl_->url(); }

std::string App::webhook_listen_url() const {
  std::lock_guard<std::mutex> lock(impl_->live_mu);
  return impl_->hook_server ? impl_->hook_url : std::string();
}

std::string App::setup_url() const {
  if (impl_->setup_token.empty() || impl_->auth->password_set()) return {};
  return impl_->url() + "/plugins/wm/admin#setup=" + impl_->setup_token;
}

const std::vector<http::Route>& App::routes() const { return impl_->server->routes(); }

events::Bus& App::bus() { return *impl_->bus; }

}  // namespace wm::app
