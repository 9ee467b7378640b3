// Abandoned quotes: a viewer who changes their mind before approving ends the tip as `cancelled`
// (TipService::cancel in tip_cancel.cpp), so trying amounts leaves no unpaid rows and does not use
// up the per-wallet limit. Only the tip's creator may: the viewer session that sent the creation
// (X-Viewer-Session header or wm_viewer cookie, when it named a live session) or the
// Idempotency-Key it was sent with. The record keeps only creator_hash() of each, compared in
// constant time.
//
// Also here: the rule for the owncastUserId hint a tip may carry.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace wm::tips {

inline constexpr std::string_view kViewerSessionCredential = "viewer-session";
inline constexpr std::string_view kIdempotencyKeyCredential = "idempotency-key";

// Hex SHA-256 of "owncast-wm:<kind>:<secret>" (the kind keeps one credential from standing in for
// the other). "" for an empty secret.
std::string creator_hash(std::string_view kind, std::string_view secret);

// owncastUserId: 1-64 UTF-8 characters without control characters ("" counts as absent).
inline constexpr size_t kMaxOwncastUserIdChars = 64;
bool valid_owncast_user_id(std::string_view id);
std::string owncast_user_id_rule();  // the 400 message naming the field and the rule

}  // namespace wm::tips
