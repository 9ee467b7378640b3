// Starts the Node Open Payments sandbox (tests/op-sandbox/server.mjs) on a free loopback port
// and talks to its test hooks.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace wm::test {

class Sandbox {
 public:
  explicit Sandbox(const std::vector<std::string>& extra_args = {});  // throws if it does not start
  int port() const { return port_; }
  const std::string& base() const { return base_; }     // "https://127.0.0.1:N" (served as http)
  std::string wallet(const std::string& name) const { return base_ + "/" + name; }
  std::string dev_host() const { return "127.0.0.1:" + std::to_string(port_); }

  // Test hooks (see tests/op-sandbox/README.md). Each throws on a non-2xx answer.
  void register_key(const std::string& wallet, const nlohmann::json& jwk);
  // Decides the newest pending interaction; returns the finish redirect URL.
  std::string decide_latest(const std::string& decision);
  nlohmann::json failures();
  nlohmann::json state();
  void fault(const nlohmann::json& spec);
  void advance_clock(int seconds);
  // POST /_test/reset: balances, grants, resources, faults, failures, clock back to the start
  // (registered keys kept unless keep_keys is false).
  void reset(bool keep_keys = true);
  int64_t balance(const std::string& wallet);  // minor units, from /_test/state
  nlohmann::json hook(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr);

 private:
  std::unique_ptr<Process> proc_;
  int port_ = 0;
  std::string base_;
};

}  // namespace wm::test
