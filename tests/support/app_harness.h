// Runs an App in-process on 127.0.0.1 (free port) with a data dir, for API tests.
#pragma once
#include <httplib.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "core/config.h"

namespace wm::test {

class RunningApp {
 public:
  // args are extra flags, e.g. {"--admin-password", "pw"}.
  RunningApp(const std::string& data_dir, std::vector<std::string> args = {});
  ~RunningApp();  // graceful shutdown
  void stop();

  int port() const { return port_; }
  app::App& app() { return *app_; }
  httplib::Client client() const;  // keep-alive off, 10 s timeouts
  std::string webhook_path() const;  // "/webhooks/owncast/<token>"

 private:
  std::unique_ptr<app::App> app_;
  std::thread thread_;
  int port_ = 0;
};

// "Basic <base64(admin:password)>"
std::string basic_auth(const std::string& password);

}  // namespace wm::test
