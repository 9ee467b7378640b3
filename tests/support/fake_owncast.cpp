#include "support/fake_owncast.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <regex>
#include <stdexcept>

#include "core/crypto.h"
#include "core/timeutil.h"

namespace wm::test {

using json = nlohmann::json;

namespace {

const char* const kEvents[] = {"CHAT",           "USER_JOINED",    "USER_PARTED",          "NAME_CHANGE",
                               "VISIBILITY-UPDATE", "STREAM_STARTED", "STREAM_STOPPED", "STREAM_TITLE_UPDATED",
                               "FEDIVERSE_ENGAGEMENT_FOLLOW", "CHAT_ACTION", "SYSTEM", "PING", "PONG"};
const char* const kScopes[] = {"CAN_SEND_MESSAGES", "CAN_SEND_SYSTEM_MESSAGES", "HAS_ADMIN_ACCESS"};
const char* const kActionFields[] = {"url", "html", "title", "description", "icon", "color"};

template <size_t N>
bool known(const char* const (&list)[N], const std::string& v) {
  return std::any_of(std::begin(list), std::end(list), [&](const char* k) { return v == k; });
}

std::string now() { return timeutil::format_rfc3339(timeutil::now_ns()); }

// Go's base64.URLEncoding (padded) of 32 random bytes: 44 characters.
std::string new_token() {
  std::string t = crypto::base64(crypto::random_bytes(32));
  for (char& c : t) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return t;
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}
void simple(httplib::Response& res, bool success, const std::string& message) {
  send_json(res, success ? 200 : 400, {{"success", success}, {"message", message}});
}
void bad_request(httplib::Response& res, const std::string& error) { send_json(res, 400, {{"error", error}}); }

bool ieq_prefix(const std::string& s, const std::string& prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

std::vector<std::string> strings(const json& arr) {
  std::vector<std::string> out;
  if (arr.is_array())
    for (const auto& v : arr)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string str(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

struct FakeOwncast::State {
  struct StoredToken {
    AccessToken token;
    std::string id, created_at;
  };
  struct StoredHook {
    Webhook hook;
    std::string timestamp;
  };
  bool online = false;
  int next_webhook_id = 1;
  std::vector<StoredHook> hooks;
  std::vector<StoredToken> tokens;
  json actions = json::array();
  std::string custom_js;
  json clients = json::array();
  std::vector<Message> messages;
  std::vector<Call> calls;
  std::map<std::pair<std::string, std::string>, std::vector<Reply>> scripts;
  int changes = 0;

  json hook_json(const StoredHook& h) const {
    return {{"id", h.hook.id},       {"url", h.hook.url}, {"events", h.hook.events},
            {"timestamp", h.timestamp}, {"lastUsed", nullptr}};
  }
  json token_json(const StoredToken& t) const {
    return {{"id", t.id},           {"accessToken", t.token.token}, {"displayName", t.token.name},
            {"displayColor", 3},    {"createdAt", t.created_at},    {"scopes", t.token.scopes},
            {"type", "API"},        {"lastUsedAt", nullptr},        {"isBot", true}};
  }
  const StoredToken* find_token(const std::string& token) const {
    for (const auto& t : tokens)
      if (crypto::ct_equal(t.token.token, token)) return &t;
    return nullptr;
  }
  std::string add_token(const std::string& name, std::vector<std::string> scopes) {
    StoredToken t;
    t.token = {new_token(), name, std::move(scopes)};
    t.id = crypto::random_token(6);
    t.created_at = now();
    tokens.push_back(t);
    return t.token.token;
  }
  int add_hook(const std::string& url, std::vector<std::string> events) {
    StoredHook h{{next_webhook_id++, url, std::move(events)}, now()};
    hooks.push_back(h);
    return h.hook.id;
  }
};

FakeOwncast::FakeOwncast() : FakeOwncast(Options{}) {}

FakeOwncast::FakeOwncast(Options options) : options_(std::move(options)), state_(std::make_unique<State>()) {
  state_->online = options_.online;
  auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server_.Get(".*", h);
  server_.Post(".*", h);
  server_.Put(".*", h);
  server_.Delete(".*", h);
  server_.Options(".*", h);
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeOwncast: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() before the loop runs would be lost; wait until it does.
  for (int i = 0; i < 5000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeOwncast::~FakeOwncast() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeOwncast::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

int FakeOwncast::add_webhook(const std::string& url, std::vector<std::string> events) {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->add_hook(url, std::move(events));
}

std::string FakeOwncast::add_token(const std::string& name, std::vector<std::string> scopes) {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->add_token(name, std::move(scopes));
}

void FakeOwncast::set_external_actions(json actions) {
  std::lock_guard<std::mutex> lock(mu_);
  state_->actions = std::move(actions);
}

void FakeOwncast::set_clients(json clients) {
  std::lock_guard<std::mutex> lock(mu_);
  state_->clients = std::move(clients);
}

void FakeOwncast::set_custom_javascript(std::string js) {
  std::lock_guard<std::mutex> lock(mu_);
  state_->custom_js = std::move(js);
}

std::string FakeOwncast::custom_javascript() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->custom_js;
}

void FakeOwncast::set_online(bool online) {
  std::lock_guard<std::mutex> lock(mu_);
  state_->online = online;
}

void FakeOwncast::script(const std::string& method, const std::string& path, Reply reply, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& queue = state_->scripts[{method, path}];
  for (int i = 0; i < times; ++i) queue.push_back(reply);
}

std::vector<FakeOwncast::Call> FakeOwncast::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->calls;
}

std::vector<FakeOwncast::Call> FakeOwncast::calls(const std::string& method, const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Call> out;
  for (const auto& c : state_->calls)
    if (c.method == method && c.path == path) out.push_back(c);
  return out;
}

void FakeOwncast::clear_calls() {
  std::lock_guard<std::mutex> lock(mu_);
  state_->calls.clear();
}

int FakeOwncast::changes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->changes;
}

std::vector<FakeOwncast::Webhook> FakeOwncast::webhooks() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Webhook> out;
  for (const auto& h : state_->hooks) out.push_back(h.hook);
  return out;
}

std::vector<FakeOwncast::AccessToken> FakeOwncast::tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AccessToken> out;
  for (const auto& t : state_->tokens) out.push_back(t.token);
  return out;
}

json FakeOwncast::external_actions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->actions;
}

std::vector<FakeOwncast::Message> FakeOwncast::messages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->messages;
}

std::vector<std::string> FakeOwncast::system_messages() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& m : state_->messages)
    if (m.kind == "system") out.push_back(m.body);
  return out;
}

void FakeOwncast::handle(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(mu_);
  State& s = *state_;
  const std::string& m = req.method;
  const std::string& p = req.path;
  res.status = 200;

  [&] {
    if (auto it = s.scripts.find({m, p}); it != s.scripts.end() && !it->second.empty()) {
      Reply r = it->second.front();
      it->second.erase(it->second.begin());
      res.status = r.status;
      res.set_content(r.body, r.content_type.c_str());
      return;
    }

    // Public.
    auto status_json = [&] {
      return json{{"serverTime", now()},
                  {"lastConnectTime", s.online ? json(now()) : json(nullptr)},
                  {"lastDisconnectTime", s.online ? json(nullptr) : json(now())},
                  {"versionNumber", options_.version},
                  {"streamTitle", "Test stream"},
                  {"online", s.online}};
    };
    if (m == "GET" && p == "/api/status") return send_json(res, 200, status_json());
    if (m == "GET" && p == "/api/config")
      return send_json(res, 200,
                       {{"name", "Fake Owncast"},
                        {"version", "Owncast v" + options_.version + "-linux-64bit (fake)"},
                        {"externalActions", s.actions},
                        {"maxSocketPayloadSize", 2048}});

    if (m == "GET" && p == "/customjavascript") {
      res.status = 200;
      res.set_content(s.custom_js, "text/javascript");
      return;
    }

    // Admin API: HTTP Basic admin:<password>.
    if (p.rfind("/api/admin/", 0) == 0) {
      std::string auth = req.get_header_value("Authorization");
      bool ok = false;
      if (ieq_prefix(auth, "Basic ")) {
        auto creds = crypto::unbase64(auth.substr(6));
        ok = creds && crypto::ct_equal(*creds, "admin:" + options_.admin_password);
      }
      if (!ok) {
        res.status = 401;
        res.set_header("WWW-Authenticate", "Basic realm=\"Owncast Authorization Required\"");
        res.set_content("Unauthorized", "text/plain");
        return;
      }
      json body = m == "POST" ? json::parse(req.body, nullptr, false) : json();
      if (m == "POST" && !body.is_object()) return bad_request(res, "invalid character in request body");

      if (m == "GET" && p == "/api/admin/webhooks") {
        json out = json::array();
        for (const auto& h : s.hooks) out.push_back(s.hook_json(h));
        return send_json(res, 200, out);
      }
      if (m == "POST" && p == "/api/admin/webhooks/create") {
        std::string url = str(body, "url");
        if (url.empty()) return bad_request(res, "url is required");
        if (!body.contains("events") || !body["events"].is_array()) return bad_request(res, "events are required");
        for (const auto& e : body["events"])
          if (!e.is_string() || !known(kEvents, e.get<std::string>())) return bad_request(res, "invalid event type");
        s.add_hook(url, strings(body["events"]));
        ++s.changes;
        return send_json(res, 200, s.hook_json(s.hooks.back()));
      }
      if (m == "POST" && p == "/api/admin/webhooks/delete") {
        if (!body.contains("id") || !body["id"].is_number_integer()) return bad_request(res, "id is required");
        int id = body["id"].get<int>();
        auto before = s.hooks.size();
        s.hooks.erase(std::remove_if(s.hooks.begin(), s.hooks.end(), [&](const auto& h) { return h.hook.id == id; }),
                      s.hooks.end());
        if (s.hooks.size() != before) ++s.changes;
        return simple(res, true, "deleted webhook");  // Owncast does not complain about unknown ids
      }
      if (m == "GET" && p == "/api/admin/accesstokens") {
        json out = json::array();
        for (const auto& t : s.tokens) out.push_back(s.token_json(t));
        return send_json(res, 200, out);
      }
      if (m == "POST" && p == "/api/admin/accesstokens/create") {
        if (!body.contains("scopes") || !body["scopes"].is_array()) return bad_request(res, "scopes are required");
        for (const auto& sc : body["scopes"])
          if (!sc.is_string() || !known(kScopes, sc.get<std::string>()))
            return bad_request(res, "one or more invalid scopes provided");
        std::string name = str(body, "name");
        s.add_token(name, strings(body["scopes"]));
        ++s.changes;
        return send_json(res, 200, s.token_json(s.tokens.back()));
      }
      if (m == "POST" && p == "/api/admin/accesstokens/delete") {
        std::string token = str(body, "token");
        auto before = s.tokens.size();
        s.tokens.erase(std::remove_if(s.tokens.begin(), s.tokens.end(),
                                      [&](const auto& t) { return crypto::ct_equal(t.token.token, token); }),
                       s.tokens.end());
        if (s.tokens.size() == before) return bad_request(res, "unable to delete token");
        ++s.changes;
        return simple(res, true, "deleted token");
      }
      if (m == "GET" && p == "/api/admin/serverconfig")
        return send_json(res, 200,
                         {{"instanceDetails", {{"name", "Fake Owncast"}, {"summary", ""}, {"nsfw", false}}},
                          {"streamKeys", json::array({{{"key", "not-a-real-stream-key"}, {"comment", "default"}}})},
                          {"webServerPort", 8080},
                          {"rtmpServerPort", 1935},
                          {"yp", {{"enabled", false}}},
                          {"externalActions", s.actions},
                          {"federation", {{"enabled", false}}}});
      if (m == "POST" && p == "/api/admin/config/customjavascript") {
        if (!body.contains("value") || !body["value"].is_string())
          return simple(res, false, "unable to update custom javascript with provided values");
        s.custom_js = body["value"].get<std::string>();
        ++s.changes;
        return simple(res, true, "custom javascript updated");
      }
      if (m == "POST" && p == "/api/admin/config/externalactions") {
        if (!body.contains("value") || !body["value"].is_array())
          return simple(res, false, "unable to update external actions with provided values");
        json stored = json::array();
        for (const auto& a : body["value"]) {
          if (!a.is_object()) return simple(res, false, "unable to update external actions with provided values");
          json kept = json::object();  // Go decodes into its struct: unknown fields are dropped
          for (const char* f : kActionFields)
            if (a.contains(f) && a[f].is_string()) kept[f] = a[f];
          kept["openExternally"] = a.value("openExternally", json(false)) == json(true);
          stored.push_back(kept);
        }
        s.actions = stored;
        ++s.changes;
        return simple(res, true, "external actions update");
      }
      res.status = 404;
      res.set_content("404 page not found\n", "text/plain");
      return;
    }

    // Integration API: Bearer token with one scope per endpoint.
    if (p.rfind("/api/integrations/", 0) == 0) {
      static const std::regex client_path(R"(/api/integrations/chat/system/client/([^/]+))");
      std::smatch match;
      std::string scope;
      if (m == "POST" && (p == "/api/integrations/chat/system" || p == "/api/integrations/chat/action" ||
                          std::regex_match(p, match, client_path)))
        scope = "CAN_SEND_SYSTEM_MESSAGES";
      else if (m == "POST" && p == "/api/integrations/chat/send")
        scope = "CAN_SEND_MESSAGES";
      else if (m == "GET" && (p == "/api/integrations/clients" || p == "/api/integrations/status"))
        scope = "HAS_ADMIN_ACCESS";
      if (m == "OPTIONS") {
        res.status = 204;
        res.set_header("Access-Control-Allow-Origin", "*");
        return;
      }
      if (scope.empty()) {
        res.status = 404;
        res.set_content("404 page not found\n", "text/plain");
        return;
      }
      std::string auth = req.get_header_value("Authorization");
      const State::StoredToken* token = ieq_prefix(auth, "Bearer ") ? s.find_token(auth.substr(7)) : nullptr;
      if (!token || std::find(token->token.scopes.begin(), token->token.scopes.end(), scope) == token->token.scopes.end()) {
        res.status = 401;
        res.set_content("unauthorized", "text/plain");
        return;
      }
      res.set_header("Access-Control-Allow-Origin", "*");
      if (m == "GET" && p == "/api/integrations/clients") return send_json(res, 200, s.clients);
      if (m == "GET" && p == "/api/integrations/status") return send_json(res, 200, status_json());

      json body = json::parse(req.body, nullptr, false);
      if (!body.is_object()) return send_json(res, 200, {{"error", "invalid character in request body"}});  // Owncast's quirk
      bool has_body = body.contains("body") && body["body"].is_string();
      std::string text = has_body ? body["body"].get<std::string>() : "";
      if (p == "/api/integrations/chat/send") {
        if (text.empty()) return bad_request(res, "invalid message");
        s.messages.push_back({"chat", text, token->token.name, ""});
        ++s.changes;
        return simple(res, true, "sent");
      }
      if (!has_body) return simple(res, false, "missing required field: body");
      if (p == "/api/integrations/chat/action") {
        s.messages.push_back({"action", text, "", ""});
      } else if (!match.empty()) {
        const std::string id = match[1].str();
        if (id.find_first_not_of("0123456789") != std::string::npos) return bad_request(res, "invalid client id");
        s.messages.push_back({"system-client", text, "", id});
      } else {
        s.messages.push_back({"system", text, "", ""});
      }
      ++s.changes;
      return simple(res, true, "sent");
    }

    res.status = 404;
    res.set_content("404 page not found\n", "text/plain");
  }();

  s.calls.push_back({m, p, req.body, req.get_header_value("Authorization"), res.status});
}

}  // namespace wm::test
