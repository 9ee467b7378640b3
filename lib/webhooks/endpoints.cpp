#include "webhooks/endpoints.h"

#include <algorithm>

#include "core/json.h"
#include "core/json_limits.h"
#include "core/timeutil.h"
#include "events/events.h"

namespace wm::webhooks {

namespace {

using json = nlohmann::json;

Error bad(const std::string& field, const std::string& message) { return Error{"invalid_webhook", message, field}; }

using json_util::str;

Result<std::vector<std::string>> parse_events(const json& v) {
  const std::string hint = "events must be a non-empty list of: tip.completed, tip.failed, tip.denied, follow, "
                           "stream.started, stream.stopped, support.started, support.payment, support.stopped, goal.reached (or \"*\" for all)";
  if (!v.is_array() || v.empty() || v.size() > 16) return bad("events", hint);
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) return bad("events", hint);
    const std::string n = e.get<std::string>();
    auto t = events::type_from_name(n);
    const bool ok = n == "*" || (t && events::durable(*t) && events::external(*t));
    if (!ok) return bad("events", "unknown event \"" + n.substr(0, 40) + "\": " + hint);
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  return out;
}

}  // namespace

bool Endpoint::wants(std::string_view n) const {
  return std::any_of(events.begin(), events.end(), [&](const std::string& e) { return e == "*" || e == n; });
}

std::vector<std::string> Secrets::active(int64_t now_ns) const {
  std::vector<std::string> out{current};
  if (!previous.empty() && now_ns < previous_until_ns) out.push_back(previous);
  return out;
}

std::string_view kind_name(Kind k) { return k == Kind::discord ? "discord" : "standard"; }

Result<EndpointInput> parse_input(const json& j) {
  if (!j.is_object()) return bad("", "the body must be a JSON object {url, events, description, enabled, kind}");
  EndpointInput in;
  if (auto it = j.find("url"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().empty()) return bad("url", "url must be an http(s) URL");
    in.url = it->get<std::string>();
  }
  if (auto it = j.find("events"); it != j.end()) {
    auto ev = parse_events(*it);
    if (!ev) return ev.error();
    in.events = *ev;
  }
  if (auto it = j.find("description"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().size() > 200)
      return bad("description", "description must be text of at most 200 bytes");
    in.description = it->get<std::string>();
  }
  if (auto it = j.find("enabled"); it != j.end()) {
    if (!it->is_boolean()) return bad("enabled", "enabled must be true or false");
    in.enabled = it->get<bool>();
  }
  if (auto it = j.find("kind"); it != j.end()) {
    const std::string k = it->is_string() ? it->get<std::string>() : "";
    if (k != "standard" && k != "discord") return bad("kind", "kind must be \"standard\" or \"discord\"");
    in.kind = k == "discord" ? Kind::discord : Kind::standard;
  }
  return in;
}

json to_json(const Endpoint& e) {
  return {{"id", e.id},
          {"url", e.url},
          {"events", e.events},
          {"description", e.description},
          {"enabled", e.enabled},
          {"kind", kind_name(e.kind)},
          {"createdAt", timeutil::rfc3339_or_null(e.created_ns)},
          {"failingSince", timeutil::rfc3339_or_null(e.failing_since_ns)},
          {"warning", e.warning.empty() ? json(nullptr) : json(e.warning)}};
}

json to_record(const Endpoint& e) {
  return {{"id", e.id},           {"url", e.url},         {"events", e.events},
          {"description", e.description}, {"enabled", e.enabled}, {"kind", kind_name(e.kind)},
          {"created", e.created_ns}, {"failingSince", e.failing_since_ns}, {"warning", e.warning}};
}

Result<Endpoint> from_record(std::string_view text) {
  auto j = json_limits::parse(text);
  if (!j || !j->is_object()) return Error{"store_error", "a stored webhook endpoint is not valid JSON"};
  Endpoint e;
  e.id = str(*j, "id");
  e.url = str(*j, "url");
  if (auto it = j->find("events"); it != j->end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) e.events.push_back(v.get<std::string>());
  e.description = str(*j, "description");
  e.enabled = j->value("enabled", true);
  e.kind = str(*j, "kind") == "discord" ? Kind::discord : Kind::standard;
  e.created_ns = j->value("created", int64_t{0});
  e.failing_since_ns = j->value("failingSince", int64_t{0});
  e.warning = str(*j, "warning");
  return e;
}

json to_record(const Secrets& s) {
  return {{"current", s.current}, {"previous", s.previous}, {"previousUntil", s.previous_until_ns}};
}

Result<Secrets> secrets_from(std::string_view text) {
  auto j = json_limits::parse(text);
  if (!j || !j->is_object()) return Error{"store_error", "a stored webhook secret is not valid JSON"};
  return Secrets{str(*j, "current"), str(*j, "previous"), j->value("previousUntil", int64_t{0})};
}

}  // namespace wm::webhooks
