// The sidecar assembled: store, metrics, Owncast service, reconciler and HTTP routes.
// main() creates one App, binds, runs it on a thread and calls shutdown() on a signal.
// Tests create Apps in-process on 127.0.0.1 with port 0.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "events/bus.h"
#include "http/server.h"

namespace wm::app {

class App {
 public:
  // Opens the store (exclusive), restores state and registers routes. Nothing listens yet.
  static Result<std::unique_ptr<App>> create(const Config& config);
  ~App();

  Result<int> bind();  // listens on config.listen_host:listen_port (0 = any); returns the port
  void run();          // serves until shutdown(); blocks
  // Graceful: stop accepting, finish in-flight requests, write queued events, close the store.
  // Safe to call from another thread and more than once.
  void shutdown();

  // "<base>/webhooks/owncast/<token>" for each active token (first = current); base is the
  // --webhook-listen listener when there is one, else the public URL.
  std::vector<std::string> webhook_urls() const;
  const std::vector<http::Route>& routes() const;
  // The event bus (events/bus.h): tips and Owncast events after their commit. Valid until
  // shutdown(); subscribe before events of interest can happen.
  events::Bus& bus();
  std::string public_url() const;
  // --webhook-listen: that listener's base URL (after bind()); empty when the webhook is served
  // on --listen.
  std::string webhook_listen_url() const;
  // First start without an admin password: "<public-url>/plugins/wm/admin#setup=<one-time token>"
  // (valid 30 minutes, single use). Empty once a password is set.
  std::string setup_url() const;

 private:
  struct Impl;
  explicit App(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wm::app
