#include "analytics/events.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "core/json.h"
#include "core/json_limits.h"

namespace wm::analytics::detail {

namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

using json_util::str;

std::string event_key(int64_t ns) { return std::string(kEventPrefix) + store::key::u64(static_cast<uint64_t>(ns)); }

bool visit_raw(std::string_view raw, const EventFn& fn) {
  if (auto ev = event_from_json(raw)) fn(*ev);
  return true;
}

openpayments::Amount amount_of(const AssetKey& asset, uint64_t units) {
  return openpayments::Amount{units, asset.code, asset.scale};
}

}  // namespace

json event_to_json(const SupportEvent& ev) {
  return json{{"tipId", ev.tip_id},
              {"streamId", ev.stream_id},
              {"streamSession", ev.stream_session},
              {"amount", openpayments::to_json(ev.amount)},
              {"senderHash", ev.sender_hash},
              {"displayName", ev.display_name},
              {"anonymous", ev.anonymous},
              {"message", ev.message},
              {"atNs", ev.at_ns}};
}

std::optional<SupportEvent> event_from_json(std::string_view raw) {
  auto j = json_limits::parse_or_discarded(raw);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto amount = j.find("amount");
  if (amount == j.end()) return std::nullopt;
  auto a = openpayments::parse_amount(*amount);
  if (!a) return std::nullopt;
  auto at = j.find("atNs");
  if (at == j.end() || !at->is_number_integer()) return std::nullopt;
  SupportEvent ev;
  ev.tip_id = str(j, "tipId");
  ev.stream_id = str(j, "streamId");
  ev.stream_session = str(j, "streamSession");
  ev.amount = std::move(*a);
  ev.sender_hash = str(j, "senderHash");
  ev.display_name = str(j, "displayName");
  auto anon = j.find("anonymous");
  ev.anonymous = anon != j.end() && anon->is_boolean() && anon->get<bool>();
  ev.message = str(j, "message");
  ev.at_ns = at->get<int64_t>();
  return ev;
}

void scan_window(const store::ReadTxn& txn, store::Table t, int64_t from_ns, int64_t to_ns,
                 const EventFn& fn) {
  from_ns = std::max<int64_t>(from_ns, 0);
  if (to_ns < from_ns) return;
  // Upper bound exclusive: the first key after every event at to_ns.
  std::string to = to_ns == std::numeric_limits<int64_t>::max()
                       ? std::string("e0")  // '0' follows '/': past every "e/" key
                       : event_key(to_ns + 1);
  txn.scan(t, event_key(from_ns), to, false,
           [&](std::string_view, std::string_view v) { return visit_raw(v, fn); });
}

std::string session_key_prefix(std::string_view session) {
  std::string k(kSessionPrefix);
  k.append(session);
  k.push_back('\0');
  return k;
}

void scan_session(const store::ReadTxn& txn, store::Table t, std::string_view session,
                  const EventFn& fn) {
  txn.scan_prefix(t, session_key_prefix(session), false, [&](std::string_view, std::string_view ek) {
    if (auto raw = txn.get(t, ek)) visit_raw(*raw, fn);
    return true;
  });
}

json money_json(const AssetKey& asset, u128 units) {
  const bool overflow = units > kMaxU64;
  const auto shown = overflow ? kMaxU64 : static_cast<uint64_t>(units);
  json j{{"value", std::to_string(shown)}, {"display", openpayments::format_amount(amount_of(asset, shown))}};
  if (overflow) j["overflow"] = true;
  return j;
}

json total_json(const AssetKey& asset, const Sum& sum) {
  json j{{"assetCode", asset.code}, {"assetScale", asset.scale}};
  j.update(money_json(asset, sum.units));
  j["count"] = sum.count;
  return j;
}

json average_json(const AssetKey& asset, const Sum& sum) {
  if (sum.count == 0) return money_json(asset, 0);
  // Round half up: floor((total + count/2) / count). Each tip is below 2^64, so the mean is too.
  const u128 mean = (sum.units + sum.count / 2) / sum.count;
  return money_json(asset, mean);
}

namespace {

// The lowercase code point for the capitals fold_name() knows; others unchanged.
char32_t lower(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;                 // Latin-1
  if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
    return c % 2 == 0 ? c + 1 : c;                                           // Latin Extended-A
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 == 1 ? c + 1 : c;
  if (c == 0x178) return 0xFF;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;               // Greek
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;                             // Cyrillic
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

void put_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else {  // lower() maps two-byte code points to two-byte code points only
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string fold_name(std::string_view name) {
  const std::string_view s = trimmed(name);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      put_utf8(out, lower(b0));
      ++i;
    } else if ((b0 & 0xE0) == 0xC0 && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) {
      const char32_t c = (char32_t(b0 & 0x1F) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F);
      if (c >= 0x80) put_utf8(out, lower(c));
      else out.append(s.substr(i, 2));  // overlong form: kept as typed
      i += 2;
    } else {
      out += s[i++];  // longer sequences and stray bytes: compared as typed
    }
  }
  return out;
}

SupporterBoard::Group& SupporterBoard::group_of(const SupportEvent& ev) {
  const AssetKey asset{ev.amount.asset_code, ev.amount.asset_scale};
  const std::string name(trimmed(ev.display_name));
  std::string group_key;
  if (ev.anonymous) group_key = "anonymous";
  else if (grouping_ == Grouping::by_sender) group_key = "h/" + ev.sender_hash;
  else group_key = name.empty() ? std::string("someone") : "n/" + fold_name(name);
  auto [it, fresh] = groups_[asset].try_emplace(group_key);
  Group& g = it->second;
  if (fresh) {
    g.anonymous = ev.anonymous;
    g.hash = ev.anonymous || grouping_ != Grouping::by_sender ? std::string() : ev.sender_hash;
    g.first_ns = ev.at_ns;
    g.shown = Name{name, ev.at_ns};
  }
  g.first_ns = std::min(g.first_ns, ev.at_ns);
  if (ev.at_ns < g.shown.at_ns) g.shown = Name{name, ev.at_ns};
  return g;
}

void SupporterBoard::add_streamed(const SupportEvent& ev) {
  Group& g = group_of(ev);
  g.sum.units += ev.amount.units;
  g.streamed += ev.amount.units;
  note_name(ev);
}

void SupporterBoard::add(const SupportEvent& ev) {
  group_of(ev).sum.add(ev.amount.units);
  note_name(ev);
}

// by_sender: the sender's latest name and every name they used (anonymous tips never).
void SupporterBoard::note_name(const SupportEvent& ev) {
  const std::string name(trimmed(ev.display_name));
  if (ev.anonymous || name.empty() || grouping_ != Grouping::by_sender) return;
  auto [n, added] = latest_.try_emplace(ev.sender_hash, Name{name, ev.at_ns});
  if (!added && ev.at_ns >= n->second.at_ns) n->second = Name{name, ev.at_ns};
  auto [u, first] = used_[ev.sender_hash].try_emplace(fold_name(name), Name{name, ev.at_ns});
  if (!first && ev.at_ns < u->second.at_ns) u->second = Name{name, ev.at_ns};
}

std::string SupporterBoard::row_name(const Group& g) const {
  if (g.anonymous) return "Anonymous";
  if (grouping_ == Grouping::by_name) return g.shown.text.empty() ? "Someone" : g.shown.text;
  auto n = latest_.find(g.hash);
  return n != latest_.end() ? n->second.text : "Someone";
}

std::vector<std::string> SupporterBoard::row_names(const Group& g) const {
  std::vector<std::string> out;
  auto u = used_.find(g.hash);
  if (g.anonymous || u == used_.end()) return out;
  std::vector<Name> names;
  for (const auto& [folded, n] : u->second) names.push_back(n);
  std::stable_sort(names.begin(), names.end(), [](const Name& a, const Name& b) { return a.at_ns < b.at_ns; });
  for (auto& n : names) out.push_back(std::move(n.text));
  return out;
}

std::map<AssetKey, std::vector<SupporterBoard::Row>> SupporterBoard::ranked(size_t limit) const {
  std::map<AssetKey, std::vector<Row>> out;
  for (const auto& [asset, groups] : groups_) {
    std::vector<const Group*> order;
    order.reserve(groups.size());
    for (const auto& [key, g] : groups) order.push_back(&g);
    std::stable_sort(order.begin(), order.end(), [](const Group* a, const Group* b) {
      return std::tuple(b->sum.units, b->sum.count, a->first_ns) < std::tuple(a->sum.units, a->sum.count, b->first_ns);
    });
    if (order.size() > limit) order.resize(limit);
    auto& rows = out[asset];
    for (const Group* g : order) {
      Row row;
      row.anonymous = g->anonymous;
      row.sum = g->sum;
      row.streamed = g->streamed;
      row.name = row_name(*g);
      if (grouping_ == Grouping::by_sender) row.names = row_names(*g);
      rows.push_back(std::move(row));
    }
  }
  return out;
}

}  // namespace wm::analytics::detail
