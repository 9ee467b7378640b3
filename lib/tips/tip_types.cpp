#include "tips/tip_types.h"

#include <array>
#include <stdexcept>

namespace wm::tips {

namespace {

constexpr std::array<std::string_view, 7> kStatus{"awaiting_consent", "processing", "completed", "denied",
                                                  "failed",           "expired",    "cancelled"};

constexpr std::array<std::string_view, 27> kCodes{
    "invalid_request",         "invalid_idempotency_key", "idempotency_key_reused",
    "idempotency_in_progress", "rate_limited",            "invalid_wallet_address",
    "invalid_message",         "invalid_display_name",    "invalid_owncast_user_id",
    "anonymous_not_allowed",   "invalid_stream_id",       "invalid_amount",
    "asset_mismatch",          "unknown_tier",            "amount_out_of_range",
    "not_configured",          "streamer_wallet_unreachable", "streamer_wallet_error",
    "wallet_unreachable",      "cannot_pay",              "not_found",
    "not_creator",             "not_cancellable",         "invalid_callback",
    "invalid_hash",            "rejection_unconfirmed",   "internal_error"};
static_assert(kCodes.size() == static_cast<size_t>(TipErrorCode::internal) + 1);

}  // namespace

std::string_view to_string(TipStatus s) { return kStatus.at(static_cast<size_t>(s)); }

std::optional<TipStatus> parse_tip_status(std::string_view s) {
  for (size_t i = 0; i < kStatus.size(); ++i)
    if (kStatus[i] == s) return static_cast<TipStatus>(i);
  return std::nullopt;
}

bool is_final(TipStatus s) { return s != TipStatus::awaiting_consent && s != TipStatus::processing; }

bool is_final(std::string_view s) {
  auto p = parse_tip_status(s);
  return p && is_final(*p);
}

void to_json(nlohmann::json& j, TipStatus s) { j = std::string(to_string(s)); }

void from_json(const nlohmann::json& j, TipStatus& s) {
  auto p = j.is_string() ? parse_tip_status(j.get_ref<const std::string&>()) : std::nullopt;
  if (!p) throw std::invalid_argument("not a tip status");
  s = *p;
}

std::string_view to_string(TipErrorCode c) { return kCodes.at(static_cast<size_t>(c)); }

TipError::TipError(TipErrorCode k, std::string msg, int retry)
    : kind(k), code(to_string(k)), message(std::move(msg)), retry_after(retry) {}

TipError TipError::internal(std::string code, std::string message) {
  TipError e(TipErrorCode::internal, std::move(message));
  if (!code.empty()) e.code = std::move(code);
  return e;
}

}  // namespace wm::tips
