// Internal: the state shared by service.cpp (API, bus handler) and delivery.cpp (workers).
#pragma once
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "webhooks/service.h"

namespace wm::webhooks {

struct Pending {
  std::string endpoint, msg;
  int attempts = 0;
  int64_t next_ns = 0, first_ns = 0;
  std::string key() const { return endpoint + "/" + msg; }
};
nlohmann::json to_record(const Pending& p);
std::optional<Pending> pending_from(std::string_view key, std::string_view value);
std::string message_key(const std::string& endpoint, const std::string& msg);

struct Webhooks::Impl {
  store::Store& store;
  Options opts;
  store::Table hooks, secrets, outbox_t, log_t;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, Endpoint> endpoints;
  std::map<std::string, Pending> outbox;  // key "<endpoint>/<msg>"
  std::set<std::string> inflight;
  std::map<std::string, size_t> ep_inflight;
  std::string last_served;  // endpoint id of the last pick (turns go round, see pick())
  bool quit = false, started = false;
  std::vector<std::thread> threads;
  uint64_t log_seq = 0;
  int64_t last_prune = 0;

  Impl(store::Store& st, Options o);
  int64_t now() const { return opts.clock(); }
  std::vector<Listener> own() const { return opts.own ? opts.own() : std::vector<Listener>{}; }
  Status load();
  Result<Secrets> load_secrets(const std::string& id) const;
  // Writes the message (if new) and its outbox row; returns the row when one was added.
  Status enqueue(const std::vector<Endpoint>& targets, const std::string& msg, const events::Event& e,
                 bool again, std::vector<Pending>& added);

  // delivery.cpp
  void worker();
  std::optional<std::string> pick(int64_t at, int64_t& next_due);
  void attempt(const Pending& p, const Endpoint& ep);
  SendResult send(const Pending& p, const Endpoint& ep, std::string& type);
  void settle(const Pending& p, const std::string& type, const SendResult& r, int64_t at);
  void prune(int64_t at);
};

}  // namespace wm::webhooks
