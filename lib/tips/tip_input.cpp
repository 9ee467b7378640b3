#include "tips/tip_input.h"

#include "core/json.h"
#include "tips/tiers.h"
#include "tips/tip_cancel.h"

namespace wm::tips {

namespace {

using json = nlohmann::json;
using C = TipErrorCode;

constexpr size_t kMaxMessageChars = 280;

size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool has_control(std::string_view s, bool allow_newline) {
  for (unsigned char c : s) {
    if (allow_newline && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

using json_util::str;

// Present, not null and not a string.
bool not_string(const json& b, const char* k) {
  auto it = b.find(k);
  return it != b.end() && !it->is_null() && !it->is_string();
}

std::optional<TipError> parse_texts(const json& b, TipInput& in) {
  in.sender_wallet = str(b, "senderWalletAddress");
  if (in.sender_wallet.empty() || in.sender_wallet.size() > 2048)
    return TipError{C::invalid_wallet_address,
                    "senderWalletAddress is required (e.g. https://wallet.example/alice or $wallet.example/alice)"};
  in.message = str(b, "message");
  if (not_string(b, "message")) return TipError{C::invalid_message, "message must be a string"};
  if (utf8_chars(in.message) > kMaxMessageChars || has_control(in.message, true))
    return TipError{C::invalid_message, "message must be at most 280 characters without control characters"};
  in.display_name = str(b, "displayName");
  if (not_string(b, "displayName")) return TipError{C::invalid_display_name, "displayName must be a string"};
  if (!valid_display_name(in.display_name))
    return TipError{C::invalid_display_name, "displayName must be at most " + std::to_string(kMaxDisplayNameChars) +
                                                 " characters without control characters"};
  in.owncast_user_id = str(b, "owncastUserId");
  if (auto it = b.find("owncastUserId");
      it != b.end() && !it->is_null() && (!it->is_string() || !valid_owncast_user_id(in.owncast_user_id)))
    return TipError{C::invalid_owncast_user_id, owncast_user_id_rule()};
  return std::nullopt;
}

}  // namespace

bool valid_display_name(std::string_view name) {
  return utf8_chars(name) <= kMaxDisplayNameChars && !has_control(name, false);
}

Result<TipInput, TipError> parse_tip_input(const json& b, bool anonymous_allowed) {
  if (!b.is_object()) return TipError{C::invalid_request, "the body must be a JSON object"};
  TipInput in;
  if (auto e = parse_texts(b, in)) return *e;
  if (auto it = b.find("anonymous"); it != b.end() && !it->is_null()) {
    if (!it->is_boolean()) return TipError{C::invalid_request, "anonymous must be true or false"};
    in.anonymous = it->get<bool>();
  }
  if (in.anonymous && !anonymous_allowed)
    return TipError{C::anonymous_not_allowed, "this streamer does not accept anonymous tips; tip with a display name"};
  if (auto s = str(b, "streamId"); !s.empty()) in.stream_id = s;
  if (!valid_stream_id(in.stream_id)) return TipError{C::invalid_stream_id, "invalid streamId"};
  if (auto it = b.find("amount"); it != b.end() && !it->is_null())
    in.amount = *it;
  else if (auto t = b.find("tierId"); t != b.end() && t->is_string())
    in.tier_id = t->get<std::string>();
  return in;
}

}  // namespace wm::tips
