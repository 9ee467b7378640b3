#include "analytics/tips_export.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/json.h"
#include "analytics/events.h"
#include "core/crypto.h"
#include "core/json_limits.h"
#include "tips/tip_service.h"

namespace wm::analytics {

namespace {

using json = nlohmann::json;

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 100000;  // also keeps limit + 1 from wrapping

bool known_status(std::string_view s) { return s == "all" || tips::parse_tip_status(s).has_value(); }

// Tips that ended before any money could move, on the viewer's side: listed only when asked for.
bool shown(const TipFilter& f, tips::TipStatus status) {
  if (f.status == "all") return true;
  if (f.status.empty()) return status != tips::TipStatus::cancelled && status != tips::TipStatus::expired;
  return status == f.status;
}

// Position in the newest-first order: (created desc, id desc).
struct Position {
  int64_t created_ns = 0;
  std::string id;
};

bool older(const Position& a, const Position& b) {  // a comes after b in the list
  return a.created_ns < b.created_ns || (a.created_ns == b.created_ns && a.id < b.id);
}

std::string encode_cursor(const Position& p) {
  return crypto::base64url(std::to_string(p.created_ns) + ":" + p.id);
}

std::optional<Position> decode_cursor(std::string_view cursor) {
  auto raw = crypto::unbase64(cursor);
  if (!raw) return std::nullopt;
  auto colon = raw->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == raw->size()) return std::nullopt;
  Position p;
  const char* first = raw->data();
  auto [end, ec] = std::from_chars(first, first + colon, p.created_ns);
  if (ec != std::errc() || end != first + colon) return std::nullopt;
  p.id = raw->substr(colon + 1);
  return p;
}

struct Candidate {
  Position pos;
  tips::TipRecord record;
};

json page_item(const tips::TipRecord& r, bool hidden) {
  json item = tips::to_public(r);
  item["hidden"] = hidden;
  item["display"] = r.amount.empty() ? json(nullptr) : json(openpayments::format_amount(r.amount));
  const json& amounts = item["amounts"];
  item["receiveAmount"] = amounts.value("receiveAmount", json(nullptr));
  item["debitAmount"] = amounts.value("debitAmount", json(nullptr));
  item["owncastUserId"] = r.owncast_user_id.empty() ? json(nullptr) : json(r.owncast_user_id);
  return item;
}

// --- CSV ---

std::string text(const json& item, const char* key) { return json_util::str(item, key); }

bool flag(const json& item, const char* key) {
  auto it = item.find(key);
  return it != item.end() && it->is_boolean() && it->get<bool>();
}

// "5.00" for {"value":"500","assetScale":2}; "" when there is no readable amount.
std::string major_units(const json& item) {
  auto it = item.find("amount");
  if (it == item.end()) return {};
  auto a = openpayments::parse_amount(*it);
  if (!a) return {};
  std::string s = openpayments::format_amount(*a);
  return s.substr(0, s.size() - a->asset_code.size() - 1);  // drop " CODE"
}

std::string asset_code(const json& item) {
  auto it = item.find("amount");
  return it != item.end() && it->is_object() ? text(*it, "assetCode") : std::string();
}

// Cells a spreadsheet would evaluate as a formula: starting with = + - @, with their
// full-width forms (U+FF1D ＝, U+FF0B ＋, U+FF0D －, U+FF20 ＠, which some spreadsheets fold to
// ASCII), or with a space, tab, CR or LF (stripped before the formula check by some).
bool formula_like(std::string_view cell) {
  if (cell.empty()) return false;
  if (std::string_view("=+-@ \t\r\n").find(cell.front()) != std::string_view::npos) return true;
  for (std::string_view wide : {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0"})
    if (cell.substr(0, wide.size()) == wide) return true;
  return false;
}

void put_cell(std::string& out, std::string cell) {
  if (formula_like(cell)) cell.insert(0, 1, '\'');
  if (cell.find_first_of(",\"\r\n") == std::string::npos) {
    out += cell;
    return;
  }
  out += '"';
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void put_row(std::string& out, std::vector<std::string> cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    put_cell(out, std::move(cells[i]));
  }
  out += "\r\n";
}

}  // namespace

Result<json> list_tips(const store::Store& store, const TipFilter& f) {
  if (!f.status.empty() && !known_status(f.status))
    return Error{"invalid_status",
                 "status must be awaiting_consent, processing, completed, denied, failed, expired, cancelled or all"};
  if (f.from_ns != 0 && f.to_ns != 0 && f.to_ns <= f.from_ns)
    return Error{"invalid_range", "'to' must be after 'from'"};
  std::optional<Position> cursor;
  if (!f.before.empty()) {
    cursor = decode_cursor(f.before);
    if (!cursor) return Error{"invalid_cursor", "the paging cursor is not one this server issued"};
  }
  const size_t limit = f.limit == 0 ? kDefaultLimit : std::min(f.limit, kMaxLimit);

  auto support = store.table("support");
  std::vector<Candidate> found;
  json items = json::array();
  bool more = false;
  auto st = store.view([&](const store::ReadTxn& txn) -> Status {
    tips::TipStore::scan(txn, store, [&](const tips::TipRecord& r) {
      Position p{r.created_ns, r.id};
      if (p.id.empty() || !shown(f, r.status)) return true;
      if (f.from_ns != 0 && p.created_ns < f.from_ns) return true;
      if (f.to_ns != 0 && p.created_ns >= f.to_ns) return true;
      if (cursor && !older(p, *cursor)) return true;
      found.push_back(Candidate{std::move(p), r});
      return true;
    });
    const size_t take = std::min(found.size(), limit + 1);
    std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(take), found.end(),
                      [](const Candidate& a, const Candidate& b) { return older(b.pos, a.pos); });
    found.resize(take);
    more = found.size() > limit;
    if (more) found.resize(limit);
    for (const auto& c : found) {
      bool hidden = txn.get(support, std::string(detail::kHiddenPrefix) + c.record.id).has_value();
      items.push_back(page_item(c.record, hidden));
    }
    return ok_status();
  });
  if (!st) return st.error();
  json next = more && !found.empty() ? json(encode_cursor(found.back().pos)) : json(nullptr);
  return json{{"tips", std::move(items)}, {"next", std::move(next)}};
}

std::string tips_csv(const json& tips_array) {
  std::string out;
  put_row(out, {"id", "createdAt", "status", "amount", "assetCode", "displayName", "anonymous", "message", "hidden",
                "owncastUserId"});
  if (!tips_array.is_array()) return out;
  for (const auto& item : tips_array) {
    if (!item.is_object()) continue;
    const bool anonymous = flag(item, "anonymous");
    put_row(out, {text(item, "id"), text(item, "createdAt"), text(item, "status"), major_units(item),
                  asset_code(item), anonymous ? std::string() : text(item, "displayName"),
                  anonymous ? "true" : "false", text(item, "message"), flag(item, "hidden") ? "true" : "false",
                  text(item, "owncastUserId")});
  }
  return out;
}

}  // namespace wm::analytics
