#include "owncast/event.h"

#include <limits>
#include <string>
#include <utility>

#include "core/crypto.h"
#include "core/json_limits.h"
#include "core/timeutil.h"
#include "owncast/event_kinds.h"

namespace wm::owncast {

namespace {

using json = nlohmann::json;

const json* find_key(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end()) return nullptr;
  return &*it;
}

const std::string* find_string(const json& obj, const char* key) {
  const json* v = find_key(obj, key);
  if (!v || !v->is_string()) return nullptr;
  return v->get_ptr<const std::string*>();
}

// RFC 3339 -> UTC ns; 0 when absent, not a string, invalid, or Go's zero time.
int64_t time_of(const json& obj, const char* key) {
  const std::string* s = find_string(obj, key);
  if (!s) return 0;
  auto parsed = timeutil::parse_rfc3339(*s);
  if (!parsed || parsed->zero) return 0;
  return parsed->unix_ns;
}

}  // namespace

Result<Event> parse_event(std::string_view body) {
  auto parsed = json_limits::parse(body);
  if (!parsed) {
    if (parsed.error().code == "too_deep")
      return Error{"too_deep", "webhook body " + parsed.error().message + "; nothing was stored"};
    return Error{"invalid_json", "webhook body is not valid JSON: " + parsed.error().message};
  }
  json root = std::move(*parsed);
  if (!root.is_object()) return Error{"not_object", "webhook body is not a JSON object"};
  const std::string* type = find_string(root, "type");
  if (!type) return Error{"not_object", "webhook body has no string \"type\""};

  if (type->size() > kMaxTypeBytes)
    return Error{"field_too_long", "webhook \"type\" is longer than " + std::to_string(kMaxTypeBytes) + " bytes"};
  Event ev;
  ev.type = *type;
  const EventKindInfo& kind = kind_info(ev.type);
  if (const json* data = find_key(root, "eventData"); data && !data->is_null()) {
    if (!data->is_object()) return Error{"not_object", "webhook \"eventData\" is not an object"};
    ev.data = std::move(root["eventData"]);
  }
  const json& d = ev.data;

  if (const std::string* id = find_string(d, "id")) {
    if (id->size() > kMaxIdBytes)
      return Error{"field_too_long", "webhook \"eventData.id\" is longer than " + std::to_string(kMaxIdBytes) + " bytes"};
    ev.id = *id;
  }
  ev.event_time_ns = time_of(d, "timestamp");

  if (const json* u = find_key(d, "user"); u && u->is_object()) {
    if (const std::string* uid = find_string(*u, "id")) {
      if (uid->size() > kMaxIdBytes)
        return Error{"field_too_long",
                     "webhook \"eventData.user.id\" is longer than " + std::to_string(kMaxIdBytes) + " bytes"};
      User user;
      user.id = *uid;
      if (const std::string* name = find_string(*u, "displayName")) user.display_name = *name;
      if (const json* bot = find_key(*u, "isBot"); bot && bot->is_boolean()) {
        user.is_bot = bot->get<bool>();
      }
      ev.user = std::move(user);
    }
  }

  const json* status = find_key(d, "status");
  const std::string* own_title = kind.title_in_data ? find_string(d, "streamTitle") : nullptr;
  if (own_title) {
    ev.stream_title = *own_title;
    ev.has_stream_title = true;
  } else if (status) {
    if (const std::string* t = find_string(*status, "streamTitle")) {
      ev.stream_title = *t;
      ev.has_stream_title = true;
    }
  }

  if (const std::string* nn = find_string(d, "newName")) ev.new_name = *nn;

  // clientId: a non-negative integer (0.2.x CHAT; 0.1.x USER_* / NAME_CHANGE too). Floats,
  // strings and negative numbers are ignored rather than coerced.
  if (const json* cid = find_key(d, "clientId")) {
    if (cid->is_number_unsigned()) {
      ev.client_id = cid->get<uint64_t>();
    } else if (cid->is_number_integer() && cid->get<int64_t>() >= 0) {
      ev.client_id = static_cast<uint64_t>(cid->get<int64_t>());
    }
  }

  if (status) {
    if (const json* on = find_key(*status, "online"); on && on->is_boolean()) {
      ev.status_online = on->get<bool>();
    }
  }
  if (kind.kind == EventKind::follow) {
    if (const std::string* n = find_string(d, "name")) ev.follower_name = *n;
    if (const std::string* u = find_string(d, "username")) ev.follower_account = *u;
  }
  return ev;
}

const std::vector<std::string>& known_event_types() {
  static const std::vector<std::string> kTypes = [] {
    std::vector<std::string> out;
    for (const auto& k : known_kinds()) out.emplace_back(k.type);
    return out;
  }();
  return kTypes;
}

bool dedupe_applies(const Event& e) { return !e.id.empty() && kind_info(e.type).dedupe; }

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

SignatureCheck verify_signature(std::string_view header, std::string_view body,
                                std::string_view secret, int64_t now_unix, int64_t window_s) {
  if (header.empty()) return SignatureCheck::missing;
  // Exactly "t=<1-18 digits>.s=<64 hex digits>"; nothing before, between or after.
  if (header.size() < 2 || header.substr(0, 2) != "t=") return SignatureCheck::malformed;
  size_t pos = 2;
  size_t digits_start = pos;
  while (pos < header.size() && header[pos] >= '0' && header[pos] <= '9') ++pos;
  size_t ndigits = pos - digits_start;
  if (ndigits == 0 || ndigits > 18) return SignatureCheck::malformed;
  std::string_view t_text = header.substr(digits_start, ndigits);
  if (header.substr(pos, 3) != ".s=") return SignatureCheck::malformed;
  pos += 3;
  std::string_view sig_hex = header.substr(pos);
  if (sig_hex.size() != 64) return SignatureCheck::malformed;
  for (char c : sig_hex) {
    if (!is_hex(c)) return SignatureCheck::malformed;
  }
  auto sig = crypto::unhex(sig_hex);
  if (!sig) return SignatureCheck::malformed;

  int64_t t = 0;
  for (char c : t_text) t = t * 10 + (c - '0');  // at most 18 digits: no overflow
  int64_t diff = 0;
  if (__builtin_sub_overflow(now_unix, t, &diff)) return SignatureCheck::stale;
  if (diff == std::numeric_limits<int64_t>::min()) return SignatureCheck::stale;
  if ((diff < 0 ? -diff : diff) > window_s) return SignatureCheck::stale;

  std::string signed_data;
  signed_data.reserve(t_text.size() + 1 + body.size());
  signed_data.append(t_text);
  signed_data.push_back('.');
  signed_data.append(body);
  std::string expected = crypto::hmac_sha256(secret, signed_data);
  return crypto::ct_equal(expected, *sig) ? SignatureCheck::ok : SignatureCheck::mismatch;
}

const char* to_string(SignatureCheck c) {
  switch (c) {
    case SignatureCheck::ok:
      return "ok";
    case SignatureCheck::missing:
      return "missing";
    case SignatureCheck::malformed:
      return "malformed";
    case SignatureCheck::stale:
      return "stale";
    case SignatureCheck::mismatch:
      return "mismatch";
  }
  return "unknown";
}

std::string sign(std::string_view body, std::string_view secret, int64_t t_unix) {
  std::string t = std::to_string(t_unix);
  std::string signed_data;
  signed_data.reserve(t.size() + 1 + body.size());
  signed_data.append(t);
  signed_data.push_back('.');
  signed_data.append(body);
  return "t=" + t + ".s=" + crypto::hex(crypto::hmac_sha256(secret, signed_data));
}

}  // namespace wm::owncast
