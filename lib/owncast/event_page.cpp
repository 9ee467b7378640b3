#include "owncast/event_page.h"

#include <utility>

#include "core/crypto.h"
#include "core/json_limits.h"

namespace wm::owncast {

using json = nlohmann::json;

json api_event(std::string_view stored) {
  size_t nl = stored.find('\n');
  json out = json_limits::parse_or_discarded(stored.substr(0, nl));
  if (!out.is_object()) return json::object();
  out["data"] = json::object();
  if (nl == std::string_view::npos) return out;
  auto body = json_limits::parse(stored.substr(nl + 1));
  if (!body) {
    if (body.error().code == "too_deep") out["dataOmitted"] = "too_deep";
    return out;
  }
  if (body->is_object() && body->contains("eventData") && (*body)["eventData"].is_object())
    out["data"] = std::move((*body)["eventData"]);
  return out;
}

Result<json> event_page(const store::Store& store, store::Table t_events, store::Table t_by_type,
                        const EventPageQuery& q) {
  std::string upper;
  if (!q.before.empty()) {
    auto raw = crypto::unhex(q.before);
    if (!raw || raw->size() != 16) return Error{"invalid_cursor", "'before' is not a cursor from a previous page"};
    upper = *raw;
  }
  json events = json::array();
  std::string last_key;
  bool more = false;
  size_t bytes = 0;
  auto st = store.view([&](const store::ReadTxn& txn) {
    auto take = [&](std::string_view key) {
      auto v = txn.get(t_events, key);
      if (!v) return true;
      if (events.size() == q.limit || (!events.empty() && bytes + v->size() > q.max_bytes)) {
        more = true;
        return false;
      }
      bytes += v->size();
      events.push_back(api_event(*v));
      last_key = std::string(key);
      return true;
    };
    if (q.type.empty()) {
      txn.scan(t_events, "", upper, true, [&](std::string_view k, std::string_view) { return take(k); });
    } else {
      std::string prefix = std::string(q.type) + '\0';
      std::string to = upper.empty() ? prefix + std::string(16, '\xff') : prefix + upper;
      txn.scan(t_by_type, prefix, to, true,
               [&](std::string_view k, std::string_view) { return take(k.substr(prefix.size())); });
    }
    return ok_status();
  });
  if (!st) return st.error();
  return json{{"events", std::move(events)}, {"next", more ? json(crypto::hex(last_key)) : json(nullptr)}};
}

}  // namespace wm::owncast
