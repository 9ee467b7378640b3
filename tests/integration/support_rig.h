// Shared by the streaming-support integration tests (support_*_integration_test.cpp): the sandbox,
// the real binary, the routes a viewer's widget calls, and the sandbox's own view of a session.
#pragma once
#include <catch2/catch.hpp>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/poll.h"
#include "support/process.h"
#include "support/sandbox.h"
#include "support/test_support.h"

namespace wm::test::supportrig {

using json = nlohmann::json;

inline const std::string kHookToken = "supportflowhooktoken0123456789ab";
constexpr uint64_t kRate = 10000;  // 100.00 EUR per hour: a cent every 0.36 s of watching

inline httplib::Client client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(20, 0);
  c.set_keep_alive(false);
  return c;
}

struct Rig {
  Sandbox sb;
  TempDir keys, data;
  std::vector<std::string> extra_env, extra_args;  // added to every start()
  explicit Rig(const std::vector<std::string>& sandbox_args = {"--wait", "0"}) : sb(sandbox_args) {
    auto kg = run_binary({"keygen", "--out", keys.file("key.pem"), "--key-id", "sup-key"});
    REQUIRE(kg.code == 0);
    sb.register_key("streamer", json::parse(kg.out));
  }
  std::unique_ptr<Process> start(const std::string& crash = "", int interval_ms = 200) {
    std::vector<std::string> env = {"OWNCAST_WM_TEST_SUPPORT_INTERVAL_MS=" + std::to_string(interval_ms)};
    if (!crash.empty()) env.push_back("OWNCAST_WM_TEST_CRASH_AFTER=" + crash);
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    std::vector<std::string> args{"serve", "--listen", "127.0.0.1:0", "--data-dir", data.path(), "--wallet-address",
                                  sb.wallet("streamer"), "--key-id", "sup-key", "--key-file", keys.file("key.pem"),
                                  "--op-dev-hosts", sb.dev_host(), "--access-log", "off", "--webhook-token", kHookToken};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return std::make_unique<Process>(WM_BINARY, args, env);
  }
};

// An Owncast webhook from the fixtures (stream-started.json / stream-stopped.json).
inline void stream(int port, const char* fixture) {
  auto r = client(port).Post(("/webhooks/owncast/" + kHookToken).c_str(),
                             read_file(fixture_dir() + "/" + fixture), "application/json");
  REQUIRE(r);
  REQUIRE(r->status < 300);
}

// Creates a session for alice and approves it at the sandbox; {id, controlToken}.
inline std::pair<std::string, std::string> approve(Rig& rig, int port, const std::string& idem) {
  auto c = client(port);
  const json body{{"senderWalletAddress", rig.sb.wallet("alice")},
                  {"rate", {{"value", std::to_string(kRate)}, {"assetCode", "EUR"}, {"assetScale", 2}}},
                  {"displayName", "Alice"}};
  auto created = c.Post("/plugins/wm/support", httplib::Headers{{"Idempotency-Key", idem}}, body.dump(), "application/json");
  REQUIRE(created);
  INFO(created->body);
  REQUIRE(created->status == 201);
  const json s = json::parse(created->body);
  const std::string id = s["id"];
  const std::string redirect = rig.sb.decide_latest("accept");
  const auto at = redirect.find("/plugins/wm/support/" + id + "/callback?");
  REQUIRE(at != std::string::npos);
  auto cb = c.Get(redirect.substr(at).c_str());
  REQUIRE(cb);
  REQUIRE(cb->status == 200);
  return {id, s["controlToken"]};
}

inline json status(int port, const std::string& id) {
  auto r = client(port).Get(("/plugins/wm/support/" + id).c_str());
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return json::parse(r->body);
}

inline int beat_once(int port, const std::string& id, const std::string& token) {
  auto r = client(port).Post(("/plugins/wm/support/" + id + "/heartbeat").c_str(),
                             httplib::Headers{{"Authorization", "Bearer " + token}}, "", "application/json");
  return r ? r->status : 0;
}

// The widget while the page is visible: a heartbeat every 300 ms until destroyed.
class Beater {
 public:
  Beater(int port, std::string id, std::string token)
      : t_([this, port, id = std::move(id), token = std::move(token)] {
          while (!stop_) {
            (void)beat_once(port, id, token);
            for (int i = 0; i < 6 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
        }) {}
  ~Beater() {
    stop_ = true;
    t_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread t_;
};

// Bounded poll until pred(status) holds; the last status.
template <typename P>
json until(int port, const std::string& id, P pred, int timeout_ms = 15000) {
  return test::poll_until([&] { return status(port, id); }, pred, timeout_ms);
}

// true when pred held at every check over ms milliseconds (an invariant over a window).
template <typename P>
bool hold(int ms, P pred) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  do {
    if (!pred()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < end);
  return pred();
}

inline uint64_t units(const json& a) { return a.is_object() ? std::stoull(a["value"].get<std::string>()) : 0; }

// The sandbox's view of one session: its incoming payment's receivedAmount and the outgoing
// payments whose metadata names it.
struct View {
  std::string incoming;
  uint64_t received = 0;
  size_t count = 0, failed = 0;
  uint64_t sum_receive = 0;
};

inline View at_wallet(Sandbox& sb, const std::string& id) {
  const json st = sb.state();
  View v;
  for (const auto& ip : st["incomingPayments"])
    if (ip.contains("metadata") && ip["metadata"].value("supportId", "") == id) {
      v.incoming = ip["id"];
      v.received = units(ip["receivedAmount"]);
    }
  for (const auto& o : st["outgoingPayments"])
    if (o.contains("metadata") && o["metadata"].value("supportId", "") == id) {
      ++v.count;
      if (o.value("failed", false)) ++v.failed;
      else v.sum_receive += units(o["receiveAmount"]);
    }
  return v;
}

// The session's interactive outgoing-payment grant at the sandbox (its limits name the receiver).
inline json session_grant(Sandbox& sb, const std::string& id) {
  const std::string ip = at_wallet(sb, id).incoming;
  const json st = sb.state();
  for (const auto& g : st["grants"])
    for (const auto& a : g["access"])
      if (a.value("type", "") == "outgoing-payment" && a.contains("limits") && a["limits"].value("receiver", "") == ip)
        return g;
  return nullptr;
}

}  // namespace wm::test::supportrig
