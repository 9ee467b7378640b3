// A fake Owncast 0.2.x for tests: a real cpp-httplib server on 127.0.0.1 (free port, own thread,
// stopped in the destructor) that imitates the parts of Owncast the sidecar talks to
// (docs/owncast.md: webhooks, the admin API, External Actions):
//
//   public            GET  /api/status, GET /api/config
//   admin (Basic      GET  /api/admin/webhooks            POST /api/admin/webhooks/create {url,events}
//   admin:<password>) POST /api/admin/webhooks/delete {id}
//                     GET  /api/admin/accesstokens        POST /api/admin/accesstokens/create {name,scopes}
//                     POST /api/admin/accesstokens/delete {token}
//                     GET  /api/admin/serverconfig (externalActions among other keys)
//                     POST /api/admin/config/externalactions {value:[...]}  (replaces the whole list)
//                     POST /api/admin/config/customjavascript {value:string}; public GET /customjavascript
//   integration       POST /api/integrations/chat/system          CAN_SEND_SYSTEM_MESSAGES
//   (Bearer token,    POST /api/integrations/chat/system/client/N CAN_SEND_SYSTEM_MESSAGES
//   one scope each)   POST /api/integrations/chat/action          CAN_SEND_SYSTEM_MESSAGES
//                     POST /api/integrations/chat/send            CAN_SEND_MESSAGES
//                     GET  /api/integrations/clients              HAS_ADMIN_ACCESS
//                     GET  /api/integrations/status               HAS_ADMIN_ACCESS
//
// Owncast's behaviour that matters is kept: a wrong admin password is 401 "Unauthorized"; a
// missing/unknown token or missing scope is 401 with the plain-text body "unauthorized"; webhook
// ids increment from 1; unknown webhook event names or token scopes are 400 {"error":...};
// access tokens are 44-char URL-safe base64; chat/system without a "body" field and chat/send
// with an empty body are 400 (nothing is sent); malformed JSON on chat endpoints is HTTP 200
// {"error":...}; stored external actions keep only Owncast's fields.
//
// Every request is recorded (method, path, body, Authorization header, status) before its
// response is sent, so a test can assert on calls() right after its request returned. All
// accessors are thread-safe and return copies.
#pragma once
#include <httplib.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace wm::test {

class FakeOwncast {
 public:
  struct Options {
    std::string admin_password = "owncast-admin-password";
    std::string version = "0.2.5";  // /api/status versionNumber
    bool online = false;
  };
  struct Call {
    std::string method, path, body;
    std::string authorization;  // the raw Authorization header ("" if none)
    int status = 0;             // what the fake answered
  };
  struct Webhook {
    int id = 0;
    std::string url;
    std::vector<std::string> events;
  };
  struct AccessToken {
    std::string token;  // 44 chars
    std::string name;   // bot display name
    std::vector<std::string> scopes;
  };
  struct Message {
    std::string kind;       // "system", "system-client", "action" or "chat"
    std::string body;
    std::string sender;     // token name for "chat", "" otherwise
    std::string client_id;  // for "system-client"
  };
  // A scripted answer (see script()).
  struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
  };

  FakeOwncast();
  explicit FakeOwncast(Options options);
  ~FakeOwncast();
  FakeOwncast(const FakeOwncast&) = delete;
  FakeOwncast& operator=(const FakeOwncast&) = delete;

  std::string url() const;  // "http://127.0.0.1:<port>"
  int port() const { return port_; }
  const std::string& admin_password() const { return options_.admin_password; }

  // --- seeding state (as if the operator had done it in Owncast's admin) ---
  int add_webhook(const std::string& url, std::vector<std::string> events);  // returns the id
  std::string add_token(const std::string& name, std::vector<std::string> scopes);  // returns the token
  void set_external_actions(nlohmann::json actions);  // an array of action objects
  void set_clients(nlohmann::json clients);           // body of GET /api/integrations/clients (default [])
  void set_online(bool online);
  void set_custom_javascript(std::string js);  // what GET /customjavascript serves

  // The next `times` requests for exactly `method` + `path` are answered with `reply` instead of
  // the normal handling (no auth check, no state change); they are still recorded.
  // E.g. script("POST", "/api/admin/webhooks/create", {200, R"({"error":"database is locked"})"}).
  void script(const std::string& method, const std::string& path, Reply reply, int times = 1);

  // --- observations ---
  std::vector<Call> calls() const;
  std::vector<Call> calls(const std::string& method, const std::string& path) const;
  void clear_calls();
  // Number of successful state changes made through the HTTP API (webhook/token create/delete,
  // external actions saved, messages sent). Seeding does not count.
  int changes() const;
  std::vector<Webhook> webhooks() const;
  std::vector<AccessToken> tokens() const;
  nlohmann::json external_actions() const;
  std::string custom_javascript() const;
  std::vector<Message> messages() const;
  std::vector<std::string> system_messages() const;  // bodies of POST /api/integrations/chat/system

 private:
  struct State;
  void handle(const httplib::Request& req, httplib::Response& res);

  Options options_;
  std::unique_ptr<State> state_;
  mutable std::mutex mu_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace wm::test
