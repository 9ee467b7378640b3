// The streamer's tip list (admin): JSON pages and a CSV export of table "tips".
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "store/store.h"

namespace wm::analytics {

struct TipFilter {
  // "" = every tip except cancelled and expired ones (they ended before money could move);
  // awaiting_consent|processing|completed|denied|failed|expired|cancelled = only that status;
  // "all" = every tip.
  std::string status{};
  int64_t from_ns = 0;         // created at >= from_ns (0: no lower bound)
  int64_t to_ns = 0;           // created at <  to_ns   (0: no upper bound)
  size_t limit = 100;          // page size (0 means 100; at most 100000, larger means 100000)
  std::string before{};        // cursor: the "next" of the previous page ("" = first page)
};

// Reads table "tips" (tips::from_storage), newest first by created time (ties: id descending),
// with status/date filters and cursor paging; each item is tips::to_public(r) plus "hidden"
// (is_hidden), "display" (formatted amount, null without one) and, as the admin API lists them,
// "receiveAmount"/"debitAmount" beside to_public's "amounts", and "owncastUserId" (the viewer's
// Owncast user id as the widget sent it, a hint; null when none). Unreadable records are skipped.
// → {"tips":[...],"next":cursor|null}; next is null on the last page. The cursor is opaque.
// Errors: "invalid_status", "invalid_cursor", "invalid_range" (to_ns <= from_ns when both set).
Result<nlohmann::json> list_tips(const store::Store& store, const TipFilter& f);

// RFC 4180 CSV (CRLF after every row, quotes doubled, fields with , " CR LF quoted), header row
// id,createdAt,status,amount,assetCode,displayName,anonymous,message,hidden,owncastUserId.
// amount is in major units with every scale digit ("5.00" for value 500 at scale 2). Cells
// starting with = + - @ (or full-width ＝ ＋ － ＠), a space, TAB, CR or LF are prefixed with a
// single quote (spreadsheet-injection neutralised); anonymous tips export an empty name.
// anonymous/hidden are "true"/"false".
// Input: the "tips" array of list_tips.
std::string tips_csv(const nlohmann::json& tips_array);

}  // namespace wm::analytics
