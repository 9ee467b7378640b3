// Closed sets of the tip module: a tip's status and the errors its operations return. Strings
// exist only at the edges: storage and JSON (to_string / parse_tip_status, to_json / from_json)
// and the JSON error "code" (TipError::code, derived from the typed kind). Which HTTP status an
// error gets is decided by the HTTP layer (lib/app/tip_routes.cpp), never here.
#pragma once
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wm::tips {

enum class TipStatus { awaiting_consent, processing, completed, denied, failed, expired, cancelled };

std::string_view to_string(TipStatus s);  // "awaiting_consent", "processing", ...
std::optional<TipStatus> parse_tip_status(std::string_view s);
bool is_final(TipStatus s);
bool is_final(std::string_view s);  // a stored/JSON status word; unknown words are not final

// Comparing with a status word ("completed") keeps call sites and tests readable; C++20 derives
// the reversed and != forms.
inline bool operator==(TipStatus a, std::string_view b) { return to_string(a) == b; }
inline std::ostream& operator<<(std::ostream& os, TipStatus s) { return os << to_string(s); }
void to_json(nlohmann::json& j, TipStatus s);
void from_json(const nlohmann::json& j, TipStatus& s);  // throws on an unknown word

enum class TipErrorCode {
  invalid_request,
  invalid_idempotency_key,
  idempotency_key_reused,
  idempotency_in_progress,
  rate_limited,
  invalid_wallet_address,
  invalid_message,
  invalid_display_name,
  invalid_owncast_user_id,
  anonymous_not_allowed,
  invalid_stream_id,
  invalid_amount,
  asset_mismatch,
  unknown_tier,
  amount_out_of_range,
  not_configured,
  streamer_wallet_unreachable,
  streamer_wallet_error,
  wallet_unreachable,
  cannot_pay,
  not_found,
  not_creator,
  not_cancellable,
  invalid_callback,
  invalid_hash,
  rejection_unconfirmed,
  internal,  // storage or another module failed; TipError::code keeps that module's code
};

std::string_view to_string(TipErrorCode c);  // the JSON "code" word, e.g. "not_cancellable"

struct TipError {
  TipError(TipErrorCode kind, std::string message, int retry_after = 0);
  // kind internal, with the failing module's own code word (e.g. the store's "store_error").
  static TipError internal(std::string code, std::string message);

  TipErrorCode kind;
  std::string code;  // the JSON "code": to_string(kind), or the module's word for internal
  std::string message;
  int retry_after = 0;  // seconds, for rate_limited
};

}  // namespace wm::tips
