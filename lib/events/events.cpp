#include "events/events.h"

#include <array>

#include "core/json.h"

namespace wm::events {

namespace {

struct TypeInfo {
  Type type;
  std::string_view name;
  bool durable;
  bool external = true;  // offered to outgoing webhooks
};

// The one table of event types: wire name and whether it is journaled.
constexpr std::array<TypeInfo, kTypeCount> kTypes = {{
    {Type::tip_completed, "tip.completed", true},
    {Type::tip_failed, "tip.failed", true},
    {Type::tip_denied, "tip.denied", true},
    {Type::follow_received, "follow", true},
    {Type::stream_started, "stream.started", true},
    {Type::stream_stopped, "stream.stopped", true},
    {Type::viewer_joined, "viewer.joined", false},
    {Type::viewer_left, "viewer.left", false},
    {Type::test, "test", false},
    {Type::support_started, "support.started", true},
    {Type::support_payment, "support.payment", true},
    {Type::support_stopped, "support.stopped", true},
    {Type::goal_reached, "goal.reached", true},
    {Type::tip_cleared, "tip.cleared", true, false},
}};

const TypeInfo& info(Type t) { return kTypes[static_cast<size_t>(t)]; }

using json_util::str;

nlohmann::json body_json(const Body& body) {
  struct Visit {
    nlohmann::json operator()(const Tip& t) const {
      nlohmann::json j = {{"tipId", t.tip_id}, {"displayName", t.display_name}, {"anonymous", t.anonymous},
                          {"message", t.message}, {"tier", t.tier}, {"streamId", t.stream_id},
                          {"senderHash", t.sender_hash}, {"errorCode", t.error_code},
                          {"widgetStream", t.widget_stream}};
      if (!t.amount.empty()) j["amount"] = openpayments::to_json(t.amount);
      return j;
    }
    nlohmann::json operator()(const Follow& f) const {
      return {{"eventId", f.event_id}, {"name", f.name}, {"account", f.account}};
    }
    nlohmann::json operator()(const Stream& s) const { return {{"sessionId", s.session_id}, {"title", s.title}}; }
    nlohmann::json operator()(const Viewer& v) const { return {{"userId", v.user_id}, {"displayName", v.display_name}}; }
    nlohmann::json operator()(const Test& t) const { return {{"note", t.note}}; }
    nlohmann::json operator()(const Support& s) const {
      nlohmann::json j = {{"supportId", s.support_id}, {"status", s.status}, {"displayName", s.display_name},
                          {"anonymous", s.anonymous}};
      if (!s.sender_hash.empty()) j["senderHash"] = s.sender_hash;
      if (!s.stream_id.empty()) j["streamId"] = s.stream_id;
      for (auto [k, a] : {std::pair{"rate", &s.rate}, {"amount", &s.amount}, {"paid", &s.paid}})
        if (!a->empty()) j[k] = openpayments::to_json(*a);
      return j;
    }
    nlohmann::json operator()(const Goal& g) const {
      return {{"goalId", g.goal_id}, {"title", g.title}, {"target", openpayments::to_json(g.target)},
              {"current", openpayments::to_json(g.current)}};
    }
  };
  return std::visit(Visit{}, body);
}

Result<Body> body_from(Type type, const nlohmann::json& d) {
  switch (type) {
    case Type::tip_completed:
    case Type::tip_cleared:
    case Type::tip_failed:
    case Type::tip_denied: {
      // Member by member: GCC 12 at -O2 reports the aggregate form's empty Amount as maybe-uninitialized.
      Tip t;
      t.tip_id = str(d, "tipId");
      t.display_name = str(d, "displayName");
      t.anonymous = d.value("anonymous", false);
      t.message = str(d, "message");
      t.tier = str(d, "tier");
      t.stream_id = str(d, "streamId");
      t.sender_hash = str(d, "senderHash");
      t.error_code = str(d, "errorCode");
      t.widget_stream = str(d, "widgetStream");
      if (d.contains("amount")) {
        auto a = openpayments::parse_amount(d["amount"]);
        if (!a) return Error{"invalid_event", "journaled tip event has an invalid amount"};
        t.amount = *a;
      }
      return Body{t};
    }
    case Type::follow_received: return Body{Follow{str(d, "eventId"), str(d, "name"), str(d, "account")}};
    case Type::stream_started:
    case Type::stream_stopped: return Body{Stream{str(d, "sessionId"), str(d, "title")}};
    case Type::viewer_joined:
    case Type::viewer_left: return Body{Viewer{str(d, "userId"), str(d, "displayName")}};
    case Type::test: return Body{Test{str(d, "note")}};
    case Type::support_started:
    case Type::support_payment:
    case Type::support_stopped: {
      Support s;  // member by member (GCC 12 -O2 maybe-uninitialized on empty Amounts, as for Tip)
      s.support_id = str(d, "supportId");
      s.status = str(d, "status");
      s.display_name = str(d, "displayName");
      s.anonymous = d.value("anonymous", false);
      s.sender_hash = str(d, "senderHash");
      s.stream_id = str(d, "streamId");
      for (auto [k, a] : {std::pair{"rate", &s.rate}, {"amount", &s.amount}, {"paid", &s.paid}})
        if (d.contains(k)) {
          auto v = openpayments::parse_amount(d[k]);
          if (!v) return Error{"invalid_event", "journaled support event has an invalid amount"};
          *a = *v;
        }
      return Body{s};
    }
    case Type::goal_reached: {
      Goal g;
      g.goal_id = str(d, "goalId");
      g.title = str(d, "title");
      auto target = openpayments::parse_amount(d.value("target", nlohmann::json()));
      auto current = openpayments::parse_amount(d.value("current", nlohmann::json()));
      if (!target || !current) return Error{"invalid_event", "journaled goal event has an invalid amount"};
      g.target = *target;
      g.current = *current;
      return Body{g};
    }
  }
  return Error{"invalid_event", "unknown event type"};
}

}  // namespace

std::string_view name(Type t) { return info(t).name; }

std::optional<Type> type_from_name(std::string_view n) {
  for (const auto& i : kTypes)
    if (i.name == n) return i.type;
  return std::nullopt;
}

bool durable(Type t) { return info(t).durable; }

bool external(Type t) { return info(t).external; }

nlohmann::json to_json(const Event& e) {
  return {{"seq", e.seq}, {"type", name(e.type)}, {"at", e.at_ns}, {"data", body_json(e.body)}};
}

Result<Event> from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string() || !j.contains("data") || !j["data"].is_object())
    return Error{"invalid_event", "journaled event is not an object with type and data"};
  auto type = type_from_name(j["type"].get<std::string>());
  if (!type) return Error{"invalid_event", "journaled event has an unknown type"};
  auto body = body_from(*type, j["data"]);
  if (!body) return body.error();
  Event e;
  e.seq = j.value("seq", uint64_t{0});
  e.type = *type;
  e.at_ns = j.value("at", int64_t{0});
  e.body = std::move(*body);
  return e;
}

}  // namespace wm::events
