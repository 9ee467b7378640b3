#include "owncast/admin_api.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

#include "core/json.h"
#include "core/assets.h"
#include "core/crypto.h"
#include "core/json_limits.h"
#include "core/text.h"
#include "core/yaml.h"
#include "owncast/api_client.h"
#include "owncast/web_monetization.h"

namespace wm::owncast {

using json = nlohmann::json;

namespace {

constexpr const char* kScopes[] = {"HAS_ADMIN_ACCESS", "CAN_SEND_SYSTEM_MESSAGES", "CAN_SEND_MESSAGES"};

using Reply = ApiResponse;

// One Owncast server and one credential: an "Authorization" header value or none.
class Conn {
 public:
  Conn(std::string base, std::string authorization, int timeout_s)
      : client_(ApiClient::with_authorization(std::move(base), std::move(authorization), timeout_s)) {}

  Result<Reply> get(const std::string& path) const { return client_.get(path); }
  Result<Reply> post(const std::string& path, const std::string& body) const { return client_.post_json(path, body); }
  const std::string& base() const { return client_.base_url(); }

 private:
  ApiClient client_;
};

// "http(s)://host[:port][/path]" without user info, query, fragment or blanks; trailing '/' dropped.
Result<std::string> normalise_url(const std::string& in, const std::string& what) {
  std::string url = in;
  url = text::without_trailing_slashes(std::move(url));
  size_t scheme = url.rfind("https://", 0) == 0 ? 8 : url.rfind("http://", 0) == 0 ? 7 : 0;
  bool ok = scheme != 0 && url.size() > scheme;
  for (unsigned char ch : url)
    if (ch <= 0x20 || ch >= 0x7f || ch == '?' || ch == '#' || ch == '\\') ok = false;
  if (ok) {
    std::string authority = url.substr(scheme, url.find('/', scheme) - scheme);
    if (authority.empty() || authority.find('@') != std::string::npos || authority[0] == ':') ok = false;
  }
  if (!ok) return Error{"invalid_url", what + " must be an http:// or https:// URL like http://127.0.0.1:8080, got '" + in + "'"};
  return url;
}

std::string excerpt(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  for (char& ch : s)
    if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
  return s;
}

// Owncast's own words from an answer: {"error":"..."}, {"message":"..."} or plain text.
std::string owncast_message(const Reply& r) {
  json j = json_limits::parse_or_discarded(r.body);
  if (j.is_object()) {
    if (auto e = j.find("error"); e != j.end() && e->is_string()) return excerpt(e->get<std::string>());
    if (auto m = j.find("message"); m != j.end() && m->is_string()) return excerpt(m->get<std::string>());
  }
  std::string text = excerpt(r.body);
  return text.empty() ? "HTTP " + std::to_string(r.status) : text;
}

// An admin API call answered with JSON. 401 -> owncast_unauthorized; other failures, including
// Owncast's HTTP-200 {"error":...} and {"success":false}, -> owncast_error with its message.
Result<json> admin_call(const Conn& conn, const std::string& path, const json* body, const std::string& what) {
  auto r = body ? conn.post(path, body->dump()) : conn.get(path);
  if (!r) return r.error();
  if (r->status == 401)
    return Error{"owncast_unauthorized", "Owncast at " + conn.base() + " refused the admin password (HTTP 401)"};
  if (r->status >= 300 && r->status < 400)
    return Error{"owncast_error", "Owncast at " + conn.base() + " redirected " + path + " (HTTP " +
                                      std::to_string(r->status) + (r->redirect.empty() ? "" : " to " + r->redirect) +
                                      "): use the final Owncast URL"};
  if (r->status != 200)
    return Error{"owncast_error", "Owncast could not " + what + ": " + owncast_message(*r) + " (HTTP " +
                                      std::to_string(r->status) + ")"};
  json j = json_limits::parse_or_discarded(r->body);
  if (j.is_discarded())
    return Error{"owncast_error", "Owncast answered " + path + " with something that is not JSON: " + excerpt(r->body)};
  if (j.is_object()) {
    auto e = j.find("error");
    auto s = j.find("success");
    if ((e != j.end() && !e->is_null()) || (s != j.end() && *s == false))
      return Error{"owncast_error", "Owncast could not " + what + ": " + owncast_message(*r)};
  }
  return j;
}

// A JSON array from an admin list (Go marshals an empty list as null).
Result<json> admin_list(const Conn& conn, const std::string& path, const std::string& what) {
  auto j = admin_call(conn, path, nullptr, what);
  if (!j) return j.error();
  if (j->is_null()) return json::array();
  if (!j->is_array()) return Error{"owncast_error", "Owncast answered " + path + " with an unexpected shape (not a list)"};
  return std::move(*j);
}

Result<Probe> read_status(const Conn& conn) {
  auto r = conn.get("/api/status");
  if (!r) return r.error();
  json j = r->status == 200 ? json_limits::parse_or_discarded(r->body) : json();
  if (!j.is_object() || !j.contains("versionNumber") || !j["versionNumber"].is_string() || !j.contains("online") ||
      !j["online"].is_boolean())
    return Error{"not_owncast", conn.base() + " does not look like Owncast: GET /api/status answered HTTP " +
                                    std::to_string(r->status) +
                                    (r->status == 200 ? " without Owncast's versionNumber and online" : "")};
  Probe p;
  p.version = j["versionNumber"].get<std::string>();
  p.online = j["online"].get<bool>();
  return p;
}

using json_util::str;

std::set<std::string> string_set(const json& arr) {
  std::set<std::string> out;
  if (arr.is_array())
    for (const auto& v : arr)
      if (v.is_string()) out.insert(v.get<std::string>());
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return !prefix.empty() && s.compare(0, prefix.size(), prefix) == 0;
}

// The folder of our action's URL ("<public>/plugins/wm/widget/" for plugin.yml's
// "/plugins/wm/widget/tip-panel"): other actions under it are ours too (an older widget URL).
// The route comes from plugin.yml (the app's descriptor), never from this module.
std::string widget_prefix(const std::string& action_url) {
  auto scheme = action_url.find("://");
  auto slash = action_url.rfind('/');
  if (scheme == std::string::npos || slash == std::string::npos || slash < scheme + 3) return "";
  return action_url.substr(0, slash + 1);
}

bool same_action(const json& existing, const json& ours) {
  if (!existing.is_object()) return false;
  for (const auto& [k, v] : ours.items())
    if (!existing.contains(k) || existing[k] != v) return false;
  return str(existing, "html").empty();
}

Status check_plan(const ConnectPlan& plan) {
  if (plan.webhook_url.empty() || plan.events.empty())
    return Error{"invalid_plan", "the connect plan has no webhook URL or no events"};
  if (!plan.external_action.is_object() || str(plan.external_action, "url").empty())
    return Error{"invalid_plan", "the connect plan's external action has no url"};
  if (plan.token_name.empty() || plan.scopes.empty())
    return Error{"invalid_plan", "the connect plan has no access-token name or scopes"};
  return ok_status();
}

}  // namespace

Result<Probe> probe(const std::string& base_url, const std::string& token, int timeout_s) {
  auto base = normalise_url(base_url, "the Owncast URL");
  if (!base) return base.error();
  auto status = read_status(Conn(*base, "", timeout_s));
  if (!status) return status.error();
  Probe p = std::move(*status);
  for (const char* s : kScopes) p.scopes[s] = false;
  if (token.empty()) return p;
  Conn api(*base, "Bearer " + token, timeout_s);
  auto admin = api.get("/api/integrations/clients");
  if (!admin) return admin.error();
  p.scopes["HAS_ADMIN_ACCESS"] = admin->status == 200;
  // Both posts are refused before anything is shown: no body field / an empty body is a 400
  // once the token and scope passed the 401 check.
  auto allowed = [](long status) { return status == 400 || (status >= 200 && status < 300); };
  auto system = api.post("/api/integrations/chat/system", "{}");
  if (!system) return system.error();
  p.scopes["CAN_SEND_SYSTEM_MESSAGES"] = allowed(system->status);
  auto send = api.post("/api/integrations/chat/send", R"({"body":""})");
  if (!send) return send.error();
  p.scopes["CAN_SEND_MESSAGES"] = allowed(send->status);
  return p;
}

namespace {

// Webhook: keep an identical one of ours, else create; then remove every other one of ours.
Status set_up_webhook(const Conn& admin, const json& hooks, const ConnectPlan& plan, ConnectReport& report) {
  const std::set<std::string> events(plan.events.begin(), plan.events.end());
  auto ours = [&](const json& h) {
    std::string url = str(h, "url");
    return url == plan.webhook_url || starts_with(url, plan.webhook_url_prefix);
  };
  const json* keep = nullptr;
  for (const auto& h : hooks)
    if (h.is_object() && str(h, "url") == plan.webhook_url && string_set(h.value("events", json())) == events &&
        h.contains("id") && h["id"].is_number_integer()) {
      keep = &h;
      break;
    }
  if (keep) {
    report.webhook_id = (*keep)["id"].get<int>();
  } else {
    json body = {{"url", plan.webhook_url}, {"events", plan.events}};
    auto created = admin_call(admin, "/api/admin/webhooks/create", &body, "create the webhook");
    if (!created) return created.error();
    if (!created->is_object() || !created->contains("id") || !(*created)["id"].is_number_integer())
      return Error{"owncast_error", "Owncast created the webhook but answered without its id"};
    report.webhook_id = (*created)["id"].get<int>();
    report.webhook_created = true;
  }
  for (const auto& h : hooks) {
    if (!h.is_object() || !ours(h) || !h.contains("id") || !h["id"].is_number_integer()) continue;
    int id = h["id"].get<int>();
    if (id == report.webhook_id) continue;
    json body = {{"id", id}};
    auto removed = admin_call(admin, "/api/admin/webhooks/delete", &body, "delete an older webhook of owncast-wm");
    if (!removed) return removed.error();
    ++report.webhooks_removed;
  }

  return Ok{};
}

// External action: replace ours (first one; drop further copies) or append.
Status set_up_action(const Conn& admin, const json& actions, const ConnectPlan& plan, ConnectReport& report) {
  json ours_action = plan.external_action;
  const std::string our_url = str(ours_action, "url");
  const std::string prefix = widget_prefix(our_url);
  json merged = json::array();
  bool found = false, identical = false;
  for (const auto& a : actions) {
    std::string url = a.is_object() ? str(a, "url") : "";
    if (url == our_url || starts_with(url, prefix)) {
      if (!found) {
        identical = same_action(a, ours_action);
        merged.push_back(ours_action);
      } else {
        identical = false;  // a duplicate is removed: the list changes
      }
      found = true;
      continue;
    }
    merged.push_back(a);
  }
  if (!found) merged.push_back(ours_action);
  if (!found || !identical) {
    json body = {{"value", merged}};
    auto saved = admin_call(admin, "/api/admin/config/externalactions", &body, "save its external actions");
    if (!saved) return saved.error();
    report.action_created = !found;
    report.action_updated = found;
  }

  return Ok{};
}

// Access token: reuse the saved one when Owncast still has it with every scope, else create one.
Status set_up_token(const Conn& admin, const json& tokens, const ConnectPlan& plan, ConnectReport& report) {
  if (!plan.existing_token.empty()) {
    const std::set<std::string> wanted(plan.scopes.begin(), plan.scopes.end());
    for (const auto& t : tokens) {
      if (!t.is_object() || !crypto::ct_equal(str(t, "accessToken"), plan.existing_token)) continue;
      auto have = string_set(t.value("scopes", json()));
      bool all = true;
      for (const auto& s : wanted) all = all && have.count(s);
      if (!all) break;
      report.access_token = plan.existing_token;
      report.token_name = str(t, "displayName");
      if (report.token_name.empty()) report.token_name = plan.token_name;
      break;
    }
  }
  if (report.access_token.empty()) {
    json body = {{"name", plan.token_name}, {"scopes", plan.scopes}};
    auto created = admin_call(admin, "/api/admin/accesstokens/create", &body, "create the access token");
    if (!created) return created.error();
    std::string token = created->is_object() ? str(*created, "accessToken") : "";
    if (token.empty()) return Error{"owncast_error", "Owncast created the access token but answered without it"};
    report.access_token = token;
    report.token_name = str(*created, "displayName");
    if (report.token_name.empty()) report.token_name = plan.token_name;
    report.token_created = true;
  }
  return Ok{};
}

}  // namespace

Result<ConnectReport> connect(const std::string& base_url, const std::string& admin_password,
                              const ConnectPlan& plan, int timeout_s) {
  auto base = normalise_url(base_url, "the Owncast URL");
  if (!base) return base.error();
  if (auto s = check_plan(plan); !s) return s.error();
  ConnectReport report;
  auto status = read_status(Conn(*base, "", timeout_s));
  if (!status) return status.error();
  report.version = status->version;

  // Every read first: a wrong password or a strange answer stops here with nothing changed.
  Conn admin(*base, "Basic " + crypto::base64("admin:" + admin_password), timeout_s);
  auto hooks = admin_list(admin, "/api/admin/webhooks", "list its webhooks");
  if (!hooks) return hooks.error();
  auto tokens = admin_list(admin, "/api/admin/accesstokens", "list its access tokens");
  if (!tokens) return tokens.error();
  auto config = admin_call(admin, "/api/admin/serverconfig", nullptr, "read its server config");
  if (!config) return config.error();
  if (!config->is_object()) return Error{"owncast_error", "Owncast's server config is not a JSON object"};
  json actions = config->value("externalActions", json::array());
  if (actions.is_null()) actions = json::array();
  if (!actions.is_array()) return Error{"owncast_error", "Owncast's externalActions is not a list"};

  if (auto s = set_up_webhook(admin, *hooks, plan, report); !s) return s.error();
  if (auto s = set_up_action(admin, actions, plan, report); !s) return s.error();
  // Access token last, so that a failure above leaves no orphaned secret in Owncast.
  if (auto s = set_up_token(admin, *tokens, plan, report); !s) return s.error();
  return report;
}

namespace {

Result<std::string> read_custom_js(const Conn& conn) {
  auto r = conn.get("/customjavascript");
  if (!r) return r.error();
  if (r->status == 404) return std::string();  // older Owncast without custom scripting: nothing there
  if (r->status != 200)
    return Error{"owncast_error", "Owncast could not show its custom JavaScript: " + owncast_message(*r) + " (HTTP " +
                                      std::to_string(r->status) + ")"};
  return r->body;
}

}  // namespace

Result<bool> web_monetization_enabled(const std::string& base_url, int timeout_s) {
  auto base = normalise_url(base_url, "the Owncast URL");
  if (!base) return base.error();
  auto js = read_custom_js(Conn(*base, "", timeout_s));
  if (!js) return js.error();
  return has_monetization(*js);
}

Result<MonetizationChange> set_web_monetization(const std::string& base_url, const std::string& admin_password,
                                                const std::string& snippet, int timeout_s) {
  auto base = normalise_url(base_url, "the Owncast URL");
  if (!base) return base.error();
  Conn admin(*base, "Basic " + crypto::base64("admin:" + admin_password), timeout_s);
  // The password first: a wrong one changes nothing and is said so even when no write is needed.
  if (auto config = admin_call(admin, "/api/admin/serverconfig", nullptr, "read its server config"); !config)
    return config.error();
  auto js = read_custom_js(admin);
  if (!js) return js.error();
  std::string next = snippet.empty() ? without_monetization(*js) : with_monetization(*js, snippet);
  MonetizationChange out{!snippet.empty(), next != *js};
  if (!out.changed) return out;
  json body = {{"value", next}};
  if (auto w = admin_call(admin, "/api/admin/config/customjavascript", &body, "save its custom JavaScript"); !w)
    return w.error();
  return out;
}

Result<ConnectPlan> plan_from_plugin_yml(const std::string& public_url, const std::string& webhook_token) {
  auto base = normalise_url(public_url, "the public URL");
  if (!base) return base.error();
  bool token_ok = !webhook_token.empty();
  for (char ch : webhook_token)
    if (!(isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_')) token_ok = false;
  if (!token_ok) return Error{"invalid_config", "the webhook token must be made of A-Z a-z 0-9 - _"};

  auto bad = [](const std::string& why) { return Error{"invalid_plugin_yml", "embedded plugin.yml: " + why}; };
  auto text = assets::find("plugin.yml");
  if (!text) return bad("missing");
  auto doc = yaml::parse(*text);
  if (!doc) return bad(doc.error().message);
  if (!doc->is_object()) return bad("not a mapping");
  const json webhook = doc->value("webhook", json::object());
  const json action = doc->value("externalAction", json::object());
  const json token = doc->value("accessToken", json::object());
  if (!webhook.is_object() || !action.is_object() || !token.is_object())
    return bad("webhook, externalAction and accessToken must be mappings");

  ConnectPlan plan;
  std::string path = str(webhook, "path");
  auto slot = path.find("{token}");
  if (path.empty() || path[0] != '/' || slot == std::string::npos) return bad("webhook.path must contain {token}");
  plan.webhook_url_prefix = *base + path.substr(0, slot);
  plan.webhook_url = plan.webhook_url_prefix + webhook_token + path.substr(slot + 7);
  for (const auto& e : webhook.value("events", json::array()))
    if (e.is_string()) plan.events.push_back(e.get<std::string>());
  if (plan.events.empty()) return bad("webhook.events is empty");

  auto absolute = [&](const std::string& v) { return !v.empty() && v[0] == '/' ? *base + v : v; };
  std::string url = str(action, "url");
  if (url.empty() || str(action, "title").empty()) return bad("externalAction needs url and title");
  plan.external_action = {{"url", absolute(url)},
                          {"title", str(action, "title")},
                          {"description", str(action, "description")},
                          {"icon", absolute(str(action, "icon"))},
                          {"color", str(action, "color")},
                          {"openExternally", action.value("openExternally", json(false)) == json(true)}};
  for (const auto& s : token.value("scopes", json::array()))
    if (s.is_string()) plan.scopes.push_back(s.get<std::string>());
  if (plan.scopes.empty()) return bad("accessToken.scopes is empty");
  return plan;
}

}  // namespace wm::owncast
