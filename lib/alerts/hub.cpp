#include "alerts/hub.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "core/log.h"

namespace wm::alerts {

namespace {

struct Client {
  uint64_t id;
  Audience audience;
  std::shared_ptr<http::Stream> stream;
  uint64_t sent;  // highest seq this client has (never sent again)
};

constexpr size_t kReplayBatch = 256;

}  // namespace

struct Hub::Impl {
  events::Bus& bus;
  HubOptions o;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<Client> clients;
  uint64_t next_id = 1;
  bool started = false, stopped = false;
  std::thread beat;
  Counter* refused = nullptr;

  Impl(events::Bus& b, HubOptions opts) : bus(b), o(std::move(opts)) {}
  View view() const { return o.view ? o.view() : View{}; }
  size_t count(Audience a) const {
    size_t n = 0;
    for (const auto& c : clients) n += c.audience == a;
    return n;
  }
  void remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    std::erase_if(clients, [id](const Client& c) { return c.id == id; });
  }
  // Sends `bytes` to a client; a client whose stream is gone is dropped. Caller holds mu.
  static bool send(Client& c, const std::string& bytes) { return c.stream->send(bytes); }
  void drop_closed() {
    std::erase_if(clients, [](const Client& c) { return c.stream->closed(); });
  }
  void heartbeat_loop() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopped) {
      cv.wait_for(lock, std::chrono::milliseconds(o.heartbeat_ms));
      if (stopped) break;
      const std::string hb = heartbeat();
      for (auto& c : clients) send(c, hb);
      drop_closed();
    }
  }
  // Journaled events after `after`, framed, oldest first. Caller holds mu.
  uint64_t replay(Client& c, uint64_t after) {
    const View v = view();
    for (;;) {
      auto batch = bus.journal(after, kReplayBatch);
      for (const auto& e : batch) {
        after = e.seq;
        if (auto f = frame_of(e, v); f && (!f->dashboard_only || c.audience == Audience::dashboard)) send(c, frame(*f));
      }
      if (batch.size() < kReplayBatch) return after;
    }
  }
};

Hub::Hub(events::Bus& bus, Metrics& metrics, HubOptions opts)
    : impl_(std::make_shared<Impl>(bus, std::move(opts))) {
  std::weak_ptr<Impl> weak = impl_;
  auto gauge = [weak](Audience a) {
    return [weak, a]() -> double {
      auto d = weak.lock();
      if (!d) return 0;
      std::lock_guard<std::mutex> lock(d->mu);
      return static_cast<double>(d->count(a));
    };
  };
  metrics.gauge("owncast_wm_sse_overlay_clients", "Overlay SSE connections open", gauge(Audience::overlay));
  metrics.gauge("owncast_wm_sse_dashboard_clients", "Dashboard SSE connections open", gauge(Audience::dashboard));
  impl_->refused = metrics.counter("owncast_wm_sse_refused_total", "SSE connections refused (client cap reached)");
}

Hub::~Hub() { stop(); }

Status Hub::start() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->started) return Ok{};
    impl_->started = true;
  }
  events::Subscription s;
  s.name = "alerts";
  s.delivery = events::Delivery::drop;
  s.types = {events::Type::tip_cleared, events::Type::follow_received, events::Type::stream_started,
             events::Type::stream_stopped, events::Type::test, events::Type::support_started,
             events::Type::support_payment, events::Type::support_stopped};
  std::weak_ptr<Impl> weak = impl_;
  Hub* self = this;
  s.handler = [weak, self](const events::Event& e) {
    if (weak.lock()) self->deliver(e);
  };
  if (auto st = impl_->bus.subscribe(std::move(s)); !st) return st;
  Impl* d = impl_.get();
  impl_->beat = std::thread([d] { d->heartbeat_loop(); });
  return Ok{};
}

void Hub::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  if (impl_->started) impl_->bus.unsubscribe("alerts");
  impl_->cv.notify_all();
  if (impl_->beat.joinable()) impl_->beat.join();
  std::vector<Client> left;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    left.swap(impl_->clients);
  }
  for (auto& c : left) c.stream->close();
}

Status Hub::open(Audience a, std::optional<uint64_t> last_event_id,
                 const std::function<std::shared_ptr<http::Stream>()>& open_stream) {
  auto& d = *impl_;
  std::lock_guard<std::mutex> lock(d.mu);
  if (d.stopped) return Error{"unavailable", "the server is shutting down"};
  d.drop_closed();
  const size_t cap = a == Audience::overlay ? d.o.max_overlay : d.o.max_dashboard;
  if (d.count(a) >= cap) {
    if (d.refused) d.refused->inc();
    return Error{"too_many_clients", std::string(a == Audience::overlay ? "overlay" : "dashboard") +
                                         " live connections are at their limit (" + std::to_string(cap) +
                                         "); close an unused browser source or raise --sse-max-clients"};
  }
  auto stream = open_stream();
  if (!stream) return Error{"internal", "this response cannot stream"};
  Client c{d.next_id++, a, stream, 0};
  // An id above anything this journal issued comes from another data dir: start live, or the
  // client would hear nothing until the numbering caught up with it.
  if (last_event_id && *last_event_id > d.bus.last_seq()) last_event_id.reset();
  c.sent = last_event_id ? d.replay(c, *last_event_id) : d.bus.last_seq();
  if (last_event_id) c.sent = std::max(c.sent, *last_event_id);
  // The retry hint: browsers reconnect after 2 s instead of their default 3 s.
  stream->send("retry: 2000\n\n");
  std::weak_ptr<Impl> weak = impl_;
  const uint64_t id = c.id;
  d.clients.push_back(std::move(c));
  stream->on_close([weak, id] {
    if (auto p = weak.lock()) p->remove(id);
  });
  return Ok{};
}

void Hub::deliver(const events::Event& e) {
  auto f = frame_of(e, impl_->view());
  if (!f) return;
  const std::string bytes = frame(*f);
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (auto& c : impl_->clients) {
    if (e.seq <= c.sent) continue;  // already replayed to it
    c.sent = e.seq;
    if (f->dashboard_only && c.audience != Audience::dashboard) continue;
    Impl::send(c, bytes);
  }
  impl_->drop_closed();
}

void Hub::broadcast(const std::string& event, const nlohmann::json& data) {
  const std::string bytes = frame({event, data, 0});
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (auto& c : impl_->clients) Impl::send(c, bytes);
  impl_->drop_closed();
}

void Hub::close_all(Audience a) {
  std::vector<std::shared_ptr<http::Stream>> gone;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (auto& c : impl_->clients)
      if (c.audience == a) gone.push_back(c.stream);
    std::erase_if(impl_->clients, [a](const Client& c) { return c.audience == a; });
  }
  for (auto& s : gone) s->close();
}

size_t Hub::clients(Audience a) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->count(a);
}

std::optional<uint64_t> parse_last_event_id(const std::string& h) {
  if (h.empty() || h.size() > 19 || h.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoull(h);
}

}  // namespace wm::alerts
