// libFuzzer: the tips CSV export. Input: fields separated by \x1f (message, display name, id,
// status, asset code, value, scale). Invariants: the CSV parses back (RFC 4180) to the same
// number of cells per row as the header, every cell round-trips (after the neutralising quote)
// and no cell starts like a formula.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analytics/tips_export.h"

namespace {

std::vector<std::vector<std::string>> parse_csv(const std::string& csv) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < csv.size(); ++i) {
    char c = csv[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') cell += '"', ++i;
      else if (c == '"') in_quotes = false;
      else cell += c;
    } else if (c == '"' && cell.empty() && !quoted) {
      in_quotes = quoted = true;
    } else if (c == ',') {
      rows.back().push_back(cell), cell.clear(), quoted = false;
    } else if (c == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n') {
      rows.back().push_back(cell), cell.clear(), quoted = false, ++i;
      rows.emplace_back();
    } else {
      if (c == '"' || c == '\r' || c == '\n') __builtin_trap();  // must have been quoted
      cell += c;
    }
  }
  if (in_quotes || !cell.empty() || !rows.back().empty()) __builtin_trap();  // every row ends in CRLF
  rows.pop_back();
  return rows;
}

bool formula_start(std::string_view c) {
  if (c.empty()) return false;
  if (std::string_view("=+-@ \t\r\n").find(c.front()) != std::string_view::npos) return true;
  for (std::string_view w : {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0"})
    if (c.substr(0, w.size()) == w) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> f;
  while (f.size() < 7) {
    size_t sep = in.find('\x1f');
    f.emplace_back(in.substr(0, sep));
    if (sep == std::string_view::npos) break;
    in.remove_prefix(sep + 1);
  }
  f.resize(7);
  nlohmann::json item = {{"id", f[2]}, {"createdAt", "2026-03-10T12:30:00Z"}, {"status", f[3]},
                         {"displayName", f[1]}, {"anonymous", false}, {"message", f[0]}, {"hidden", false}};
  item["amount"] = {{"value", f[5]}, {"assetCode", f[4]}, {"assetScale", f[6].empty() ? 0 : f[6][0] % 24}};
  nlohmann::json items = nlohmann::json::array({item});
  std::string csv;
  try {
    csv = wm::analytics::tips_csv(items);
  } catch (const nlohmann::json::exception&) {
    return 0;  // invalid UTF-8 in a field: the export never sees such a record (JSON in, JSON stored)
  }
  auto rows = parse_csv(csv);
  if (rows.size() != 2 || rows[1].size() != rows[0].size()) __builtin_trap();
  for (const auto& cell : rows[1]) {
    if (formula_start(cell)) __builtin_trap();
  }
  bool found_message = false;
  for (const auto& cell : rows[1])
    if (cell == f[0] || cell == "'" + f[0]) found_message = true;
  if (!found_message) __builtin_trap();
  return 0;
}
