// What reconfigure() rebuilds from the effective settings (the tip stack, the chat outbox, the
// reconciler) and the views other parts ask for (announcement config, alert view, wallet asset).
#include "app/app_impl.h"

#include <algorithm>
#include <cstdlib>

#include "analytics/support.h"
#include "app/op_config.h"
#include "app/support_routes.h"
#include "app/tip_events.h"
#include "app/tip_http.h"
#include "core/log.h"
#include "tips/tiers.h"

namespace wm::app {

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
  support::WmRevenueOptions ro;
  ro.streamer_wallet = c.wallet_address;
  // Tests only (README): OWNCAST_WM_TEST_WM_REVENUE_INTERVAL_MS sets a shorter period than 60 s.
  if (const char* t = std::getenv("OWNCAST_WM_TEST_WM_REVENUE_INTERVAL_MS"); t && *t)
    ro.interval_ms = std::max(50L, std::atol(t));
  stack->revenue = std::make_unique<support::WmRevenue>(*store, *stack->client, ro);
  return stack;
}

support::SupportOptions App::Impl::support_options(const Config& c) {
  support::SupportOptions so;
  so.streamer_wallet = c.wallet_address;
  Impl* self = this;
  so.callback_url = [self](const std::string& id) { return support_callback_url(self->url(), id); };
  so.interval_ms = int64_t{c.support_interval_s} * 1000;
  so.workers = c.support_workers;
  // Tests only (README): OWNCAST_WM_TEST_SUPPORT_INTERVAL_MS sets a shorter scheduler period.
  if (const char* t = std::getenv("OWNCAST_WM_TEST_SUPPORT_INTERVAL_MS"); t && *t)
    so.interval_ms = std::max(50L, std::atol(t));
  so.env = tips::crash_env_from_environment();  // tests only: OWNCAST_WM_TEST_CRASH_AFTER
  so.presets = [this] { return current().support_presets; };
  so.on_event = [this](const support::SupportNote& n) { publish_support(n); };
  return so;
}

static std::string sender_hash_or_empty(store::Store& store, const std::string& wallet) {
  auto h = analytics::hash_sender(store, wallet);
  return h ? *h : std::string();
}

// A support session's change goes to the bus (webhooks, analytics and the dashboard subscribe).
void App::Impl::publish_support(const support::SupportNote& n) {
  const auto& r = n.record;
  events::Support body{r.id, std::string(support::to_string(r.status)), r.rate, n.amount,
                       openpayments::Amount{r.received_units, r.rate.asset_code, r.rate.asset_scale},
                       r.anonymous ? std::string() : r.display_name, r.anonymous,
                       // Analytics and the leaderboard group by a salted hash, never the address.
                       sender_hash_or_empty(*store, r.sender_wallet), live_stream_session()};
  const auto type = n.kind == support::NoteKind::started   ? events::Type::support_started
                    : n.kind == support::NoteKind::payment ? events::Type::support_payment
                                                           : events::Type::support_stopped;
  if (auto e = bus->publish(type, body); !e) log::warn("support: event not published", {{"error", e.error().message}});
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
    // A message hidden while its announcement waits (Owncast down) is left out when it is sent.
    oo.hidden = [st = store.get()](std::string_view id) { return analytics::is_hidden(*st, id); };
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
  if (old_tips) old_tips->revenue->stop();
  if (old_box) old_box->stop();
  if (old_rec) old_rec->stop();
  if (box) box->start();
  if (*stack) (*stack)->service->recover();
  if (*stack) {
    (*stack)->support->set_live(!live_stream_session().empty());
    (*stack)->support->recover();
    (*stack)->revenue->start();
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
std::optional<WalletAsset> App::Impl::wallet_asset() const {
  auto svc = tip_service();
  if (!svc) return std::nullopt;
  auto w = svc->streamer_wallet();
  if (!w) return std::nullopt;
  return WalletAsset{w->asset_code, w->asset_scale};
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
  if (auto w = wallet_asset()) {
    if (auto a = openpayments::parse_decimal("5", w->code, w->scale)) v.sample = *a;
  }
  return v;
}

}  // namespace wm::app
