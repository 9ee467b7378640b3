#include "webhooks/service.h"

#include "core/crypto.h"
#include "core/json_limits.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "webhooks/impl.h"
#include "webhooks/signing.h"

namespace wm::webhooks {

using json = nlohmann::json;

namespace {

const Error kNotFound{"not_found", "No webhook endpoint has this id."};
const Error kDisabled{"disabled", "This endpoint is disabled: enable it first."};

std::string secret_key_of(const std::string& id) { return "webhook/" + id; }
std::string endpoint_key(const std::string& id) { return "e/" + id; }

int64_t default_jitter(int64_t d) {
  // ±20 %: uniform from the OS's random bytes (no shared generator state between threads).
  const std::string r = crypto::random_bytes(4);
  uint32_t v = 0;
  for (char c : r) v = (v << 8) | static_cast<unsigned char>(c);
  const double f = 0.8 + 0.4 * (static_cast<double>(v) / 4294967295.0);
  return static_cast<int64_t>(static_cast<double>(d) * f);
}

}  // namespace

std::string message_key(const std::string& endpoint, const std::string& msg) { return "m/" + endpoint + "/" + msg; }

json to_record(const Pending& p) {
  return {{"endpoint", p.endpoint}, {"msg", p.msg}, {"attempts", p.attempts}, {"next", p.next_ns}, {"first", p.first_ns}};
}

std::optional<Pending> pending_from(std::string_view, std::string_view value) {
  auto j = json_limits::parse(value);
  if (!j || !j->is_object()) return std::nullopt;
  Pending p{j->value("endpoint", ""), j->value("msg", ""), j->value("attempts", 0), j->value("next", int64_t{0}),
            j->value("first", int64_t{0})};
  if (p.endpoint.empty() || p.msg.empty()) return std::nullopt;
  return p;
}

Webhooks::Impl::Impl(store::Store& st, Options o)
    : store(st), opts(std::move(o)), hooks(st.table("webhooks")), secrets(st.table("secrets")),
      outbox_t(st.table("webhook_outbox")), log_t(st.table("webhook_deliveries")) {
  if (!opts.clock) opts.clock = timeutil::now_ns;
  if (opts.schedule_ns.empty())
    for (int64_t s : {5, 30, 120, 600, 1800, 3600}) opts.schedule_ns.push_back(s * 1000000000);
  if (!opts.jitter) opts.jitter = default_jitter;
  if (opts.workers == 0) opts.workers = 1;
  if (opts.per_endpoint == 0) opts.per_endpoint = 1;
}

Status Webhooks::Impl::load() {
  return store.view([&](const store::ReadTxn& r) -> Status {
    r.scan_prefix(hooks, "e/", false, [&](std::string_view, std::string_view v) {
      if (auto e = from_record(v)) endpoints[e->id] = *e;
      return true;
    });
    r.scan(outbox_t, "", "", false, [&](std::string_view k, std::string_view v) {
      if (auto p = pending_from(k, v)) outbox[p->key()] = *p;
      return true;
    });
    return ok_status();
  });
}

Result<Secrets> Webhooks::Impl::load_secrets(const std::string& id) const {
  Result<Secrets> out = Error{"not_found", "the endpoint has no secret"};
  (void)store.view([&](const store::ReadTxn& r) -> Status {
    if (auto v = r.get(secrets, secret_key_of(id))) out = secrets_from(*v);
    return ok_status();
  });
  return out;
}

Status Webhooks::Impl::enqueue(const std::vector<Endpoint>& targets, const std::string& msg, const events::Event& e,
                               bool again, std::vector<Pending>& added) {
  const int64_t at = now();
  const std::string record = json{{"event", events::to_json(e)}, {"created", at}}.dump();
  return store.update([&](store::WriteTxn& w) -> Status {
    added.clear();
    for (const auto& ep : targets) {
      const std::string mk = message_key(ep.id, msg);
      if (w.get(hooks, mk)) {
        if (!again) continue;  // the bus delivered this event before: already queued once
      } else if (auto s = w.put(hooks, mk, record); !s) {
        return s;
      }
      Pending p{ep.id, msg, 0, at, at};
      if (auto s = w.put(outbox_t, p.key(), to_record(p).dump()); !s) return s;
      added.push_back(p);
    }
    return ok_status();
  });
}

Webhooks::Webhooks(store::Store& store, Options opts) : impl_(std::make_unique<Impl>(store, std::move(opts))) {}
Webhooks::~Webhooks() { stop(); }

Status Webhooks::start() {
  std::lock_guard<std::mutex> l(impl_->mu);
  if (impl_->started) return ok_status();
  if (!impl_->opts.sender) return Error{"invalid_config", "webhooks need a sender"};
  if (auto s = impl_->load(); !s) return s;
  impl_->started = true;
  for (size_t i = 0; i < impl_->opts.workers; ++i) impl_->threads.emplace_back([this] { impl_->worker(); });
  return ok_status();
}

void Webhooks::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->quit = true;
    threads.swap(impl_->threads);
  }
  impl_->cv.notify_all();
  for (auto& t : threads) t.join();
}

events::Subscription Webhooks::subscription() {
  events::Subscription s;
  s.name = "webhooks";
  s.delivery = events::Delivery::durable;
  for (size_t i = 0; i < events::kTypeCount; ++i) {
    const auto t = static_cast<events::Type>(i);
    if (events::durable(t) && events::external(t)) s.types.push_back(t);  // not tip.cleared (internal)
  }
  s.handler = [this](const events::Event& e) { on_event(e); };
  return s;
}

void Webhooks::on_event(const events::Event& e) {
  if (!events::durable(e.type) || !events::external(e.type)) return;  // test events are sent per endpoint (send_test)
  std::vector<Endpoint> targets;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    for (const auto& [id, ep] : impl_->endpoints)
      if (ep.enabled && ep.wants(events::name(e.type))) targets.push_back(ep);
  }
  if (targets.empty()) return;
  std::vector<Pending> added;
  if (auto s = impl_->enqueue(targets, "msg_" + std::to_string(e.seq), e, false, added); !s) {
    log::warn("webhook deliveries not queued", {{"seq", std::to_string(e.seq)}, {"error", s.error().message}});
    throw std::runtime_error("webhook outbox write failed");  // the bus counts it
  }
  std::lock_guard<std::mutex> l(impl_->mu);
  for (const auto& p : added) impl_->outbox[p.key()] = p;
  impl_->cv.notify_all();
}

json Webhooks::list() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  json out = json::array();
  for (const auto& [id, ep] : impl_->endpoints) {
    json j = to_json(ep);
    size_t n = 0;
    for (const auto& [k, p] : impl_->outbox) n += p.endpoint == id;
    j["pending"] = n;
    out.push_back(std::move(j));
  }
  return {{"webhooks", out}};
}

Result<Created> Webhooks::create(const json& body) {
  auto in = parse_input(body);
  if (!in) return in.error();
  if (!in->url) return Error{"invalid_webhook", "url is required", "url"};
  if (!in->events) return Error{"invalid_webhook", "events is required (e.g. [\"tip.completed\"])", "events"};
  if (auto t = check_url(*in->url, impl_->own()); !t) return Error{t.error().code, t.error().message, "url"};
  Endpoint ep;
  ep.id = "wh_" + crypto::random_token(12);
  ep.url = *in->url;
  ep.events = *in->events;
  ep.description = in->description.value_or("");
  ep.enabled = in->enabled.value_or(true);
  ep.kind = in->kind.value_or(Kind::standard);
  ep.created_ns = impl_->now();
  Secrets sec{generate_secret(), "", 0};
  auto s = impl_->store.update([&](store::WriteTxn& w) -> Status {
    if (auto r = w.put(impl_->hooks, endpoint_key(ep.id), to_record(ep).dump()); !r) return r;
    return w.put(impl_->secrets, secret_key_of(ep.id), to_record(sec).dump());
  });
  if (!s) return s.error();
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->endpoints[ep.id] = ep;
  return Created{to_json(ep), sec.current};
}

Result<json> Webhooks::update(const std::string& id, const json& body) {
  auto in = parse_input(body);
  if (!in) return in.error();
  if (in->url)
    if (auto t = check_url(*in->url, impl_->own()); !t) return Error{t.error().code, t.error().message, "url"};
  std::lock_guard<std::mutex> l(impl_->mu);
  auto it = impl_->endpoints.find(id);
  if (it == impl_->endpoints.end()) return kNotFound;
  Endpoint ep = it->second;
  if (in->url) ep.url = *in->url;
  if (in->events) ep.events = *in->events;
  if (in->description) ep.description = *in->description;
  if (in->kind) ep.kind = *in->kind;
  if (in->enabled) {
    if (*in->enabled && !ep.enabled) ep.failing_since_ns = 0, ep.warning.clear();  // a fresh start
    ep.enabled = *in->enabled;
  }
  auto s = impl_->store.update([&](store::WriteTxn& w) { return w.put(impl_->hooks, endpoint_key(id), to_record(ep).dump()); });
  if (!s) return s.error();
  it->second = ep;
  impl_->cv.notify_all();
  return to_json(ep);
}

Status Webhooks::remove(const std::string& id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  if (!impl_->endpoints.count(id)) return kNotFound;
  auto s = impl_->store.update([&](store::WriteTxn& w) -> Status {
    std::vector<std::string> keys[3];
    w.scan_prefix(impl_->hooks, "m/" + id + "/", false, [&](std::string_view k, std::string_view) { return keys[0].emplace_back(k), true; });
    w.scan_prefix(impl_->outbox_t, id + "/", false, [&](std::string_view k, std::string_view) { return keys[1].emplace_back(k), true; });
    w.scan_prefix(impl_->log_t, id + "/", false, [&](std::string_view k, std::string_view) { return keys[2].emplace_back(k), true; });
    for (const auto& k : keys[0]) w.del(impl_->hooks, k);
    for (const auto& k : keys[1]) w.del(impl_->outbox_t, k);
    for (const auto& k : keys[2]) w.del(impl_->log_t, k);
    w.del(impl_->hooks, endpoint_key(id));
    w.del(impl_->secrets, secret_key_of(id));
    return ok_status();
  });
  if (!s) return s;
  impl_->endpoints.erase(id);
  for (auto it = impl_->outbox.begin(); it != impl_->outbox.end();)
    it = it->second.endpoint == id && !impl_->inflight.count(it->first) ? impl_->outbox.erase(it) : std::next(it);
  return ok_status();
}

Result<std::string> Webhooks::rotate_secret(const std::string& id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  if (!impl_->endpoints.count(id)) return kNotFound;
  auto old = impl_->load_secrets(id);
  if (!old) return old.error();
  Secrets next{generate_secret(), old->current, impl_->now() + impl_->opts.overlap_ns};
  auto s = impl_->store.update([&](store::WriteTxn& w) { return w.put(impl_->secrets, secret_key_of(id), to_record(next).dump()); });
  if (!s) return s.error();
  return next.current;
}

Result<json> Webhooks::deliveries(const std::string& id, size_t limit) const {
  json pending = json::array();
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    if (!impl_->endpoints.count(id)) return kNotFound;
    for (const auto& [k, p] : impl_->outbox)
      if (p.endpoint == id)
        pending.push_back({{"deliveryId", p.msg}, {"attempts", p.attempts}, {"nextAttemptAt", timeutil::format_rfc3339(p.next_ns)}});
  }
  json list = json::array();
  (void)impl_->store.view([&](const store::ReadTxn& r) -> Status {
    r.scan_prefix(impl_->log_t, id + "/", true, [&](std::string_view, std::string_view v) {
      auto j = json_limits::parse(v);
      if (j && j->is_object()) list.push_back(std::move(*j));
      return list.size() < limit;
    });
    return ok_status();
  });
  return json{{"deliveries", list}, {"pending", pending}};
}

Status Webhooks::redeliver(const std::string& id, const std::string& delivery_id) {
  Endpoint ep;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    auto it = impl_->endpoints.find(id);
    if (it == impl_->endpoints.end()) return kNotFound;
    ep = it->second;
  }
  if (!ep.enabled) return kDisabled;
  std::optional<events::Event> event;
  (void)impl_->store.view([&](const store::ReadTxn& r) -> Status {
    auto v = r.get(impl_->hooks, message_key(id, delivery_id));
    auto j = v ? json_limits::parse(*v) : Result<json>(Error{"", ""});
    if (j && j->contains("event"))
      if (auto e = events::from_json((*j)["event"])) event = *e;
    return ok_status();
  });
  if (!event) return Error{"not_found", "No delivery with this id is kept for this endpoint (they are kept 7 days)."};
  std::vector<Pending> added;
  if (auto s = impl_->enqueue({ep}, delivery_id, *event, true, added); !s) return s;
  std::lock_guard<std::mutex> l(impl_->mu);
  for (const auto& p : added) impl_->outbox[p.key()] = p;
  impl_->cv.notify_all();
  return ok_status();
}

Result<std::string> Webhooks::send_test(const std::string& id) {
  Endpoint ep;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    auto it = impl_->endpoints.find(id);
    if (it == impl_->endpoints.end()) return kNotFound;
    ep = it->second;
  }
  if (!ep.enabled) return kDisabled;
  events::Event e;
  e.type = events::Type::test;
  e.at_ns = impl_->now();
  e.body = events::Test{"Sent from the owncast-wm admin page."};
  const std::string msg = "msg_test_" + crypto::random_token(9);
  std::vector<Pending> added;
  if (auto s = impl_->enqueue({ep}, msg, e, false, added); !s) return s.error();
  std::lock_guard<std::mutex> l(impl_->mu);
  for (const auto& p : added) impl_->outbox[p.key()] = p;
  impl_->cv.notify_all();
  return msg;
}

void Webhooks::wake() { impl_->cv.notify_all(); }

size_t Webhooks::pending() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->outbox.size();
}

}  // namespace wm::webhooks
