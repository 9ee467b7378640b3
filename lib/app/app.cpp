#include "app/app.h"

#include "app/routes.h"
#include "app/tier_routes.h"
#include "app/tip_routes.h"
#include "app/widget_routes.h"

#include <condition_variable>
#include <mutex>

#include "core/log.h"
#include "core/metrics.h"
#include "core/timeutil.h"
#include "openpayments/client.h"
#include "openpayments/keys.h"
#include "openpayments/ssrf.h"
#include "owncast/reconciler.h"
#include "owncast/service.h"
#include "store/store.h"
#include "notify/announce.h"
#include "notify/outbox.h"
#include "tips/tip_service.h"

namespace wm::app {

struct App::Impl {
  Config config;
  Metrics metrics;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<owncast::Service> service;
  std::unique_ptr<owncast::Reconciler> reconciler;
  std::unique_ptr<openpayments::Client> op_client;
  std::unique_ptr<notify::Outbox> outbox;  // chat announcements; after store: destroyed before it
  std::unique_ptr<tips::TipService> tips;  // after store: destroyed before it
  std::unique_ptr<http::Server> server;
  std::vector<std::string> tokens;
  std::mutex shutdown_mu;
  bool shut = false;
  std::mutex run_mu;
  std::condition_variable run_cv;
  bool serving = false;   // run() is inside the server loop
  bool stopping = false;  // shutdown() has begun
};

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
App::~App() { shutdown(); }

Result<std::unique_ptr<App>> App::create(const Config& config) {
  auto d = std::make_unique<Impl>();
  d->config = config;
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

  auto tokens = owncast::webhook_tokens(*d->store, config.webhook_token);
  if (!tokens) return tokens.error();
  d->tokens = *tokens;

  owncast::ServiceOptions opts;
  opts.queue_capacity = config.webhook_queue;
  opts.durable_ack = config.webhook_ack == "durable";
  opts.signatures = config.webhook_signatures;
  opts.secret = config.webhook_secret;
  d->service = std::make_unique<owncast::Service>(*d->store, d->metrics, opts);
  if (auto s = d->service->start(); !s) return s.error();

  if (!config.owncast_url.empty() && !config.owncast_token.empty() && config.owncast_reconcile_s > 0) {
    d->reconciler = std::make_unique<owncast::Reconciler>(
        owncast::ApiClient(config.owncast_url, config.owncast_token), *d->service, config.owncast_reconcile_s);
    owncast::Reconciler* r = d->reconciler.get();
    d->service->on_stream_started([r] { r->trigger(); });
  }

  http::ServerOptions ho;
  ho.max_body = 2u << 20;
  ho.threads = config.http_threads;
  ho.access_log = config.access_log;
  d->server = std::make_unique<http::Server>(ho, &d->metrics);
  register_routes(*d->server, *d->service, d->config, d->tokens, d->metrics);
  TierConfig tiers;
  tiers.admin_password = config.admin_password;
  tiers.max_body = d->server->options().api_max_body;
  register_tier_routes(*d->server, *d->store, tiers);

  // Tips: only with a wallet address and a signing key; otherwise the tip routes answer 503.
  if (!config.wallet_address.empty() && !config.key_file.empty() && !config.key_id.empty()) {
    auto key = openpayments::PrivateKey::from_file(config.key_file);
    if (!key) return Error{"invalid_config", "--key-file: " + key.error().message};
    auto hosts = openpayments::parse_dev_hosts(config.op_dev_hosts);
    if (!hosts) return Error{"invalid_config", "--op-dev-hosts: " + hosts.error().message};
    openpayments::ClientConfig cc;
    cc.client_wallet_address = openpayments::wallet_address_url(
        config.client_wallet_address.empty() ? config.wallet_address : config.client_wallet_address);
    cc.key_id = config.key_id;
    cc.key = std::make_shared<const openpayments::PrivateKey>(std::move(*key));
    cc.transport.dev_hosts = *hosts;
    cc.transport.timeout_ms = static_cast<long>(config.op_timeout_s) * 1000;
    d->op_client = std::make_unique<openpayments::Client>(cc);
    tips::TipServiceOptions to;
    to.streamer_wallet = config.wallet_address;
    if (!config.owncast_url.empty() && !config.owncast_token.empty()) {
      // Completed tips are announced in Owncast chat through a persisted outbox; Owncast being
      // down or refusing never affects the tip.
      auto poster = std::make_shared<notify::ChatPoster>(owncast::ApiClient(config.owncast_url, config.owncast_token));
      notify::OutboxOptions oo;
      oo.metrics = &d->metrics;
      d->outbox = std::make_unique<notify::Outbox>(
          *d->store, [poster](const std::string& text) { return poster->post_system_message(text); }, oo);
      d->outbox->start();
      notify::Outbox* outbox = d->outbox.get();
      to.on_completed = [outbox](const tips::TipRecord& t) {
        notify::Vars v;
        v.name = t.display_name;
        v.anonymous = t.anonymous;
        v.amount = openpayments::format_amount(t.amount);
        v.message = t.message;
        if (auto s = notify::announce_tip(*outbox, notify::kDefaultTemplate, v); !s)
          log::warn("tip announcement not queued", {{"tip", t.id}, {"error", s.error().message}});
      };
    }
    Impl* raw = d.get();
    to.public_url = [raw] { return raw->config.public_url; };
    d->tips = std::make_unique<tips::TipService>(*d->store, *d->op_client, to);
    d->tips->recover();
  }
  {
    TipRouteConfig tip_routes;
    tip_routes.max_body = d->server->options().api_max_body;
    Impl* raw = d.get();
    tip_routes.public_url = [raw] { return raw->config.public_url; };
    register_tip_routes(*d->server, d->tips.get(), tip_routes);
  }
  register_widget_routes(*d->server, d->config);
  return std::unique_ptr<App>(new App(std::move(d)));
}

Result<int> App::bind() {
  auto port = impl_->server->bind(impl_->config.listen_host, impl_->config.listen_port);
  if (!port) return port;
  // With --listen ...:0 the real port is known only now.
  if (!impl_->config.pinned.count("public-url"))
    impl_->config.public_url = default_public_url(impl_->config.listen_host, *port);
  if (impl_->reconciler) impl_->reconciler->start();
  return port;
}

void App::run() {
  {
    std::lock_guard<std::mutex> lock(impl_->run_mu);
    if (impl_->stopping) return;
    impl_->serving = true;
  }
  impl_->server->run();
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
  }
  if (impl_->reconciler) impl_->reconciler->stop();
  if (impl_->tips) impl_->tips->stop();  // workers leave; interrupted tips resume at the next start
  if (impl_->outbox) impl_->outbox->stop();  // undelivered announcements stay queued in LMDB
  impl_->service->stop();  // writes everything still queued
  impl_->store.reset();    // closes LMDB and releases the data-dir lock
}

std::vector<std::string> App::webhook_urls() const {
  std::vector<std::string> out;
  for (const auto& t : impl_->tokens) out.push_back(impl_->config.public_url + "/webhooks/owncast/" + t);
  return out;
}

const std::string& App::public_url() const { return impl_->config.public_url; }

const std::vector<http::Route>& App::routes() const { return impl_->server->routes(); }

}  // namespace wm::app
