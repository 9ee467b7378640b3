#include "support/app_harness.h"

#include <stdexcept>

#include "core/crypto.h"

namespace wm::test {

RunningApp::RunningApp(const std::string& data_dir, std::vector<std::string> args) {
  // Durable acks make "POST then read" deterministic; tests of the queued mode pass
  // --webhook-ack queued, which overrides this (later flags win).
  std::vector<std::string> all = {"--listen", "127.0.0.1:0", "--data-dir", data_dir, "--access-log", "off",
                                  "--webhook-ack", "durable"};
  all.insert(all.end(), args.begin(), args.end());
  auto config = load_config(all);
  if (!config) throw std::runtime_error("config: " + config.error().message);
  auto app = app::App::create(*config);
  if (!app) throw std::runtime_error("app: " + app.error().message);
  app_ = std::move(*app);
  auto port = app_->bind();
  if (!port) throw std::runtime_error("bind: " + port.error().message);
  port_ = *port;
  thread_ = std::thread([this] { app_->run(); });
  // Ready when /healthz answers (the socket already accepts; this waits for the loop).
  for (int i = 0; i < 500; ++i) {
    auto c = client();
    if (auto r = c.Get("/healthz"); r && r->status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("app did not become ready");
}

RunningApp::~RunningApp() { stop(); }

void RunningApp::stop() {
  if (!app_) return;
  app_->shutdown();
  if (thread_.joinable()) thread_.join();
  app_.reset();
}

httplib::Client RunningApp::client() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(10, 0);
  c.set_read_timeout(10, 0);
  c.set_write_timeout(10, 0);
  return c;
}

std::string RunningApp::webhook_path() const {
  std::string url = app_->webhook_urls().at(0);
  return url.substr(url.find("/webhooks/owncast/"));
}

std::string basic_auth(const std::string& password) { return "Basic " + crypto::base64("admin:" + password); }

}  // namespace wm::test
