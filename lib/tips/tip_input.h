// A tip creation request as plain data: the JSON body (POST /plugins/wm/tips) checked and turned
// into TipInput. Amounts stay raw here: they are read in the streamer's asset, known only once its
// wallet answered (TipService::create).
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "tips/tip_types.h"

namespace wm::tips {

struct TipInput {
  std::string sender_wallet;  // as typed: URL or $payment-pointer
  std::string message;
  std::string display_name;
  std::string owncast_user_id;
  bool anonymous = false;
  std::string stream_id = "default";
  std::optional<nlohmann::json> amount;  // {value, assetCode, assetScale}, when given
  std::optional<std::string> tier_id;    // used when amount is absent
};

// Errors (TipError, in this order): invalid_wallet_address, invalid_message, invalid_display_name,
// invalid_owncast_user_id, invalid_request (anonymous not a boolean), anonymous_not_allowed
// (anonymous with anonymous_allowed false), invalid_stream_id, invalid_amount (neither amount nor
// tierId). body must be a JSON object.
Result<TipInput, TipError> parse_tip_input(const nlohmann::json& body, bool anonymous_allowed);

// A viewer's display name as tips (and the widget's viewer session) accept it: at most
// kMaxDisplayNameChars UTF-8 characters, no control characters.
inline constexpr size_t kMaxDisplayNameChars = 40;
bool valid_display_name(std::string_view name);

}  // namespace wm::tips
