#include "app/app.h"

#include <chrono>
#include <thread>

#include "analytics/support.h"
#include "analytics/support_subscriber.h"
#include "analytics/streaming.h"
#include "notify/support_announcer.h"
#include "app/app_impl.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "moderation/moderator.h"
#include "tips/tip_env.h"
#include "net/http_client.h"

namespace wm::app {

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
  if (auto s = d->open_store(config); !s) return s.error();
  if (auto s = d->start_owncast(config); !s) return s.error();
  if (auto s = d->subscribe_core(); !s) return s.error();
  d->start_admin(config);
  if (auto s = d->configure_first(); !s) return s.error();
  if (auto s = d->make_servers(config); !s) return s.error();
  d->register_public_routes();
  d->register_admin(config);
  if (auto s = d->start_alerts(*d->server, config); !s) return s.error();
  if (auto s = d->start_webhooks(); !s) return s.error();
  if (auto s = d->subscribe_support_live(); !s) return s.error();
  return std::unique_ptr<App>(new App(std::move(d)));
}

Status App::Impl::open_store(const Config& config) {
  const int64_t started = timeutil::monotonic_ns();
  metrics.gauge("owncast_wm_uptime_seconds", "Seconds since the process started",
                [started] { return (timeutil::monotonic_ns() - started) / 1e9; });
  Histogram* commit = metrics.histogram(
      "owncast_wm_store_commit_seconds", "LMDB write transaction commit latency",
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1});
  store::Options so;
  so.dir = config.data_dir;
  so.on_commit = [commit](double s) { commit->observe(s); };
  auto st = store::Store::open(so);
  if (!st) return st.error();
  store = std::move(*st);
  bus = std::make_unique<events::Bus>(*store, metrics);
  auto t = owncast::webhook_tokens(*store, config.webhook_token);
  if (!t) return t.error();
  tokens = *t;
  return Ok{};
}

Status App::Impl::start_owncast(const Config& config) {
  owncast::ServiceOptions opts;
  opts.queue_capacity = config.webhook_queue;
  opts.durable_ack = config.webhook_ack == "durable";
  opts.signatures = config.webhook_signatures;
  opts.secret = config.webhook_secret;
  events::Bus* b = bus.get();
  opts.publish = [b](std::vector<events::Draft> drafts) {
    if (auto s = b->publish_all(std::move(drafts)); !s)
      log::warn("Owncast events not published", {{"error", s.error().message}});
  };
  service = std::make_unique<owncast::Service>(*store, metrics, opts);
  if (auto s = service->start(); !s) return s;
  service->on_stream_started([this] {
    std::lock_guard<std::mutex> lock(live_mu);
    if (reconciler) reconciler->trigger();
  });
  return Ok{};
}

// Subscribers first, so nothing published at start (recovered tips) passes them by; the
// announcer waits for the first reconfigure() before it handles anything.
Status App::Impl::subscribe_core() {
  notify::AnnouncerOptions announce_opts;
  announce_opts.config = [this] { return announce_config(); };
  announce_opts.hidden = [this](std::string_view id) { return analytics::is_hidden(*store, id); };
  announce_opts.metrics = &metrics;
  announcer = std::make_unique<notify::Announcer>(*store, std::move(announce_opts));
  // Moderation turns tip_completed into tip_cleared (alerts, announcements); it needs alertMin.
  alert_settings = alerts::load_settings(*store);
  moderation::ModeratorOptions mo;
  mo.below_minimum = [this](const events::Tip& t) { return below_alert_min(t); };
  if (auto crash = tips::crash_env_from_environment())  // tests only: OWNCAST_WM_TEST_CRASH_AFTER
    mo.after_step = [crash](std::string_view step, const std::string& id) { crash->crash_after(step, id); };
  moderator = std::make_unique<moderation::Moderator>(*store, *bus, std::move(mo));
  for (auto sub : {announcer->subscription(), analytics::support_subscription(*store),
                   analytics::streaming_subscription(*store), moderator->subscription(),
                   notify::support_announce_subscription(*store, [this] { return support_announce_config(); })})
    if (auto s = bus->subscribe(std::move(sub)); !s) return s;
  // Tips completed before the event bus existed may lack their support event.
  if (auto n = analytics::record_completed_tips(*store); !n)
    log::warn("support events not caught up", {{"error", n.error().message}});
  return Ok{};
}

void App::Impl::start_admin(const Config& config) {
  settings = std::make_unique<Settings>(*store, config);
  settings->set_wallet_asset([this] { return wallet_asset(); });
  admin::AuthOptions ao;
  ao.idle_timeout_s = config.admin_session_idle_s;
  auth = std::make_unique<admin::AdminAuth>(*store, ao, config.admin_password);
  if (!auth->password_set()) {
    if (auto t = auth->issue_setup_token()) setup_token = *t;
  }
}

// Tips and announcements from the effective settings. A stored setting that no longer works
// (e.g. a deleted key file) must not keep the sidecar from starting: the admin page shows it.
Status App::Impl::configure_first() {
  Status configured = reconfigure();
  set_ready();
  if (configured) return configured;
  for (const char* k : {"wallet-address", "key-id", "key-file"})
    if (base.pinned.count(k)) return configured;  // the operator's own flags are wrong: say so
  log::warn("tips are not available until the admin page fixes the settings", {{"error", configured.error().message}});
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
  if (tips) tips->revenue->stop();
  if (impl_->hub) impl_->hub->stop();  // the server closed its streams already
  if (impl_->goals) impl_->goals->stop();  // the endsAt timer
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
