#include "tips/tip_cancel.h"

#include "core/crypto.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "tips/tip_service.h"

namespace wm::tips {

std::string creator_hash(std::string_view kind, std::string_view secret) {
  if (secret.empty()) return {};
  std::string input = "owncast-wm:";
  input.append(kind).append(":").append(secret);
  return crypto::hex(crypto::sha256(input));
}

bool valid_owncast_user_id(std::string_view id) {
  size_t chars = 0;
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7F) return false;
    if ((c & 0xC0) != 0x80) ++chars;
  }
  return chars <= kMaxOwncastUserIdChars;
}

std::string owncast_user_id_rule() {
  return "owncastUserId must be a string of at most " + std::to_string(kMaxOwncastUserIdChars) +
         " characters without control characters (Owncast's user id), or left out";
}

namespace {

// Constant time per comparison; which credential matched is not observable either, because every
// one presented is compared.
bool presented_by_creator(const TipRecord& r, const CancelRequest& who) {
  bool match = false;
  for (const auto& s : who.viewer_sessions) {
    if (s.empty() || r.creator_session_hash.empty()) continue;
    match |= crypto::ct_equal(creator_hash(kViewerSessionCredential, s), r.creator_session_hash);
  }
  if (!who.idempotency_key.empty() && !r.creator_key_hash.empty())
    match |= crypto::ct_equal(creator_hash(kIdempotencyKeyCredential, who.idempotency_key), r.creator_key_hash);
  return match;
}

TipError not_cancellable(TipStatus status) {
  return TipError{TipErrorCode::not_cancellable,
                  "This tip can't be cancelled any more: it is " + std::string(to_string(status)) + " (only a tip awaiting approval can be)."};
}

}  // namespace

Result<TipRecord, TipError> TipService::cancel(const std::string& id, const CancelRequest& who) {
  auto t = load(id);
  if (!t) return t.error();
  if (t->status == TipStatus::awaiting_consent && quote_expired(*t, timeutil::now_ns())) {
    // Past its quote's expiry: ends as expired (as the expiry worker would), not cancelled.
    finish(*t, TipStatus::expired, "quote_expired", "the quote expired before the payment was approved");
    t = load(id);
    if (!t) return t.error();
  }
  if (!presented_by_creator(*t, who))
    return TipError{TipErrorCode::not_creator, "Only the viewer who started this tip can cancel it, from the same tip panel."};
  if (t->status != TipStatus::awaiting_consent) return not_cancellable(t->status);
  // finish() commits `cancelled` only if the tip is still awaiting consent (a callback may have
  // moved it meanwhile), then settles it like every ended tip: the outgoing-payment grant is
  // cancelled at the viewer's wallet (DELETE on its continue URI), the other tokens revoked.
  finish(*t, TipStatus::cancelled, "cancelled", "You cancelled this tip before approving it. Nothing was charged.");
  auto after = load(id);
  if (!after) return after.error();
  if (after->status != TipStatus::cancelled) return not_cancellable(after->status);
  log::info("tip cancelled by the viewer", {{"tip", id}});
  return *after;
}

}  // namespace wm::tips
