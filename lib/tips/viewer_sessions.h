// Viewer sessions: the tip-panel widget's memory of a viewer's wallet address (and name).
// The widget runs in a sandboxed, storage-partitioned iframe, so it keeps only an unguessable
// session id and the sidecar keeps the wallet for a sliding 30 minutes (in memory only: a restart
// forgets everyone, which is fine for a convenience).
//
// Thread-safe. Bounded: beyond max_entries the least recently used session is evicted. Expired
// sessions are dropped on access (they are always the least recently used ones, because every
// session has the same TTL), so no background thread is needed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace wm::tips {

struct ViewerSession {
  std::string id;              // wm::crypto::random_token(32): 43 URL-safe characters
  std::string wallet_address;  // as given (the routes normalise and validate it)
  std::string display_name;    // empty: none
  int64_t expires_at_ns = 0;   // wall clock (the injected clock), Unix ns
};

struct ViewerSessionOptions {
  int64_t ttl_s = 1800;              // sliding: every successful get() restarts it
  size_t max_entries = 10000;
  std::function<int64_t()> now_ns;   // default wm::timeutil::now_ns; injected by tests
};

class ViewerSessions {
 public:
  explicit ViewerSessions(ViewerSessionOptions opts = {});
  ~ViewerSessions();
  ViewerSessions(const ViewerSessions&) = delete;
  ViewerSessions& operator=(const ViewerSessions&) = delete;

  // A new session with a fresh id (evicts the least recently used one when full).
  ViewerSession create(std::string wallet_address, std::string display_name);
  // The live session with this id, its expiry pushed to now + ttl; nullopt when unknown/expired.
  std::optional<ViewerSession> get(const std::string& id);
  // Forgets the session. True when it existed (and had not expired).
  bool remove(const std::string& id);
  // Live sessions (expired ones are dropped first).
  size_t size();
  int64_t ttl_s() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wm::tips
