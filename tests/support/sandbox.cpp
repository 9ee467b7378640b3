#include "support/sandbox.h"

#include <httplib.h>

#include <stdexcept>

#include "support/test_support.h"

namespace wm::test {

Sandbox::Sandbox(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {source_dir() + "/tests/op-sandbox/server.mjs", "--port", "0", "--quiet"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<std::string> argv = {"node"};
  argv.insert(argv.end(), args.begin(), args.end());
  proc_ = std::make_unique<Process>("/usr/bin/env", argv);
  if (!proc_->wait_for_output("\"ready\":true", 30000))
    throw std::runtime_error("sandbox did not start: " + proc_->err());
  std::string out = proc_->out();
  auto line = out.substr(out.find('{'));
  auto j = nlohmann::json::parse(line.substr(0, line.find('\n')));
  port_ = j["port"];
  base_ = j["base"];
}

nlohmann::json Sandbox::hook(const std::string& method, const std::string& path, const nlohmann::json& body) {
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(30, 0);
  httplib::Result r = method == "GET" ? c.Get(path.c_str())
                                      : c.Post(path.c_str(), body.is_null() ? "{}" : body.dump(), "application/json");
  if (!r || r->status / 100 != 2)
    throw std::runtime_error("sandbox hook " + path + " failed: " + (r ? std::to_string(r->status) + " " + r->body : "no answer"));
  return r->body.empty() ? nlohmann::json() : nlohmann::json::parse(r->body, nullptr, false);
}

void Sandbox::register_key(const std::string& wallet, const nlohmann::json& jwk) {
  hook("POST", "/_test/keys", {{"wallet", wallet}, {"jwk", jwk}});
}

std::string Sandbox::decide_latest(const std::string& decision) {
  auto latest = hook("GET", "/_test/interactions/latest");
  if (!latest.is_object() || !latest["id"].is_string()) throw std::runtime_error("no pending interaction: " + latest.dump());
  std::string id = latest["id"];
  return hook("POST", "/_test/interactions/" + id + "/decision", {{"decision", decision}})["redirect"];
}

nlohmann::json Sandbox::failures() { return hook("GET", "/_test/failures"); }
nlohmann::json Sandbox::state() { return hook("GET", "/_test/state"); }
void Sandbox::fault(const nlohmann::json& spec) { hook("POST", "/_test/faults", spec); }
void Sandbox::advance_clock(int seconds) { hook("POST", "/_test/clock", {{"advanceSeconds", seconds}}); }
void Sandbox::reset(bool keep_keys) { hook("POST", "/_test/reset", {{"keepKeys", keep_keys}}); }
int64_t Sandbox::balance(const std::string& wallet) {
  return std::stoll(state()["wallets"][wallet]["balance"].get<std::string>());
}

}  // namespace wm::test
