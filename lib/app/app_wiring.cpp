// App::create's wiring: the HTTP servers, every route group and the bus subscribers that are
// not a module's own (alerts hub, goals, webhooks, streaming support's live flag).
#include "app/app_impl.h"

#include "alerts/sounds.h"
#include "app/admin_http.h"
#include "app/admin_routes.h"
#include "app/alert_routes.h"
#include "app/goal_routes.h"
#include "app/moderation_routes.h"
#include "app/routes.h"
#include "app/support_routes.h"
#include "app/wm_revenue_routes.h"
#include "app/tier_routes.h"
#include "app/tip_events.h"
#include "app/tip_routes.h"
#include "app/viewer_routes.h"
#include "app/webhook_out_routes.h"
#include "app/widget_config_routes.h"
#include "app/widget_routes.h"
#include "notify/announce.h"
#include "tips/tiers.h"

namespace wm::app {

// Body limits chosen before a body is read: 2 MiB for the webhook with a valid token, the JSON
// API limit (64 KiB) for everything else.
http::ServerOptions server_options(const Config& config, const std::vector<std::string>& tokens,
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
    if (method == "POST" && path == "/plugins/wm/api/alerts/sounds") return alerts::kMaxSoundBytes;
    return api;
  };
  return ho;
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
  if (auto st = goals->start(); !st) return st;  // pending goal.reached, the endsAt timer
  register_goal_routes(server, {goals.get(), overlay_key.get(), bus.get(), store.get(), [this] { return alert_view(); },
                                [this] { return live_stream_session(); }, server.options().api_max_body});
  return Ok{};
}

Status App::Impl::make_servers(const Config& config) {
  auto proxies = http::TrustedProxies::parse(config.trusted_proxies);
  if (!proxies) return proxies.error();
  const bool own_hook_listener = config.webhook_listen_port >= 0;
  http::ServerOptions ho = server_options(config, tokens, std::move(*proxies));
  if (own_hook_listener) {
    http::ServerOptions hook = ho;
    hook.threads = 16;       // quick handlers; enough for durable-mode group commits
    hook.per_address = 256;  // Owncast may open many connections in a burst
    hook_server = std::make_unique<http::Server>(hook, &metrics);
    register_webhook_routes(*hook_server, *service, tokens, metrics);
    ho.worker_nice = 5;  // public handlers yield the CPU to the webhook listener under load
  }
  server = std::make_unique<http::Server>(ho, &metrics);
  auto public_url = [this] { return url(); };
  server->set_admin_guard(make_admin_guard(*auth, public_url, *server));
  register_routes(*server, *service, {[this] { return webhook_base(); }, !own_hook_listener, public_url}, tokens,
                  metrics);
  return Ok{};
}

// The streamer wallet's currency, once the wallet is known.
std::function<std::optional<std::pair<std::string, int>>()> App::Impl::wallet_currency() {
  return [this]() -> std::optional<std::pair<std::string, int>> {
    auto w = wallet_asset();
    if (!w) return std::nullopt;
    return std::make_pair(w->code, w->scale);
  };
}

// Tiers, tips, streaming support, the widget and the viewer's wallet memory.
void App::Impl::register_public_routes() {
  const size_t max_body = server->options().api_max_body;
  TierConfig tiers;
  tiers.max_body = max_body;
  tiers.wallet_currency = wallet_currency();
  tiers.currency_style = [this] { return currency_style(); };
  tiers.check_tiers = [this](const std::vector<TierAmount>& t) {
    const Config c = current();
    return validate_tip_settings({c.tip_min, c.tip_max, c.announce_min}, wallet_asset(), t);
  };
  register_tier_routes(*server, *store, tiers);

  TipRouteConfig tip_routes;
  tip_routes.max_body = max_body;
  tip_routes.public_url = [this] { return url(); };
  viewers = std::make_unique<tips::ViewerSessions>();
  tip_routes.viewer_sessions = viewers.get();
  tip_routes.announcement = [this](const tips::TipRecord& t) { return announcer->status_of(tip_body(t)); };
  register_tip_routes(*server, [this] { return tip_service(); }, tip_routes);
  register_support_routes(*server, [this] { return support_service(); }, [this] { return url(); }, max_body);
  register_wm_revenue_routes(*server, *store, [this] { return currency_style(); });
  register_support_admin_routes(*server, [this] { return support_service(); }, [this] { return currency_style(); });
  register_widget_routes(*server, [this] { return current().owncast_url; });
  register_viewer_routes(*server, *viewers, max_body);
}

void App::Impl::register_admin(const Config& config) {
  AdminContext ac;
  ac.store = store.get();
  ac.auth = auth.get();
  ac.settings = settings.get();
  ac.service = service.get();
  ac.webhook_tokens = tokens;
  ac.data_dir = config.data_dir;
  ac.max_body = server->options().api_max_body;
  ac.public_url = [this] { return url(); };
  ac.webhook_base_url = [this] { return webhook_base(); };
  ac.reconfigure = [this] { return reconfigure(); };
  ac.tips = [this] { return tip_service(); };
  ac.announce = [this](const tips::TipRecord& t) { return announcer->announce(tip_body(t), true); };
  ac.currency_style = [this] { return currency_style(); };
  ac.preview = [this](const std::string& tmpl, const nlohmann::json& options) {
    return preview_announcement(tmpl, options);
  };
  ac.live_stream_session = [this] { return live_stream_session(); };
  register_admin_routes(*server, ac);
  register_widget_config_routes(*server, {[this] { return current(); }, wallet_currency()});
}

// The chat announcement preview: "Ann" tipping five units of the streamer's currency once its
// wallet is known (else EUR), with the page's message and currency display when given.
Result<std::string> App::Impl::preview_announcement(const std::string& tmpl, const nlohmann::json& options) const {
  notify::Vars v;
  v.name = "Ann";
  std::string amount = "5.00 EUR";
  if (auto w = wallet_asset()) {
    if (auto a = openpayments::parse_decimal("5", w->code, w->scale)) amount = openpayments::format_amount(*a);
  }
  auto style = currency_style();
  if (auto it = options.find("currencyDisplay"); it != options.end() && it->is_string())
    style = openpayments::parse_currency_style(it->get<std::string>()).value_or(style);
  v.amount = openpayments::restyle_display(amount, style);
  auto msg = options.find("message");
  v.message = msg != options.end() && msg->is_string() ? msg->get<std::string>() : "Great stream!";
  v.title = service->stream_state().title;
  return notify::render_template(tmpl.empty() ? notify::kDefaultTemplate : std::string_view(tmpl), v);
}

// Outgoing webhooks: a durable bus subscriber with its own delivery workers.
Status App::Impl::start_webhooks() {
  webhooks::Options wo;
  wo.render = webhook_render(*store, [this] { return current(); }, [this] { return service->stream_state().title; });
  wo.own = [this] {
    std::lock_guard<std::mutex> lock(live_mu);
    return own;
  };
  wo.sender = webhooks::make_curl_sender(wo.own);
  hooks = std::make_unique<webhooks::Webhooks>(*store, std::move(wo));
  if (auto s = hooks->start(); !s) return s;
  if (auto s = bus->subscribe(hooks->subscription()); !s) return s;
  register_webhook_out_routes(*server, [this] { return hooks.get(); }, server->options().api_max_body);
  return Ok{};
}

// Streaming support counts watched time only while the stream is live.
Status App::Impl::subscribe_support_live() {
  events::Subscription live;
  live.name = "support-live";
  live.types = {events::Type::stream_started, events::Type::stream_stopped};
  live.handler = [this](const events::Event& e) {
    if (auto svc = support_service()) svc->set_live(e.type == events::Type::stream_started);
  };
  return bus->subscribe(std::move(live));
}

}  // namespace wm::app
