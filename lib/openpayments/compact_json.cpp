#include "openpayments/compact_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "core/json_limits.h"

namespace wm::openpayments {
namespace {

constexpr int64_t kMaxSafe = int64_t{1} << 53;  // beyond this JavaScript numbers lose integers

// ECMAScript Number::toString: shortest round-trip digits laid out by the exponent rules.
std::string js_number(double d) {
  if (!std::isfinite(d)) return "null";  // JSON.stringify(NaN/Infinity)
  if (d == 0) return "0";                // also -0
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // e.g. "-1.2345e+21"
  std::string out = sci[0] == '-' ? "-" : "";
  size_t e = sci.find('e');
  std::string digits;
  for (size_t i = out.size(); i < e; ++i)
    if (sci[i] != '.') digits.push_back(sci[i]);
  int k = static_cast<int>(digits.size());
  int n = std::atoi(sci.c_str() + e + 1) + 1;
  if (k <= n && n <= 21) return out + digits + std::string(static_cast<size_t>(n - k), '0');
  if (0 < n && n <= 21) return out + digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return out + "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  // Built with append(): GCC 12 warns (-Wrestrict, a known false positive) on
  // `"literal" + std::string` chains at -O2.
  out += digits.substr(0, 1);
  if (k > 1) {
    out += '.';
    out += digits.substr(1);
  }
  out += n - 1 < 0 ? "e-" : "e+";
  out += std::to_string(std::abs(n - 1));
  return out;
}

// "0" or [1-9][0-9]* below 2^32 - 1: JavaScript keeps these first, in numeric order.
std::optional<uint32_t> array_index(const std::string& key) {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v >= 0xFFFFFFFFull) return std::nullopt;
  return static_cast<uint32_t>(v);
}

void write_string(const std::string& s, std::string& out) {
  // nlohmann's escaping equals JSON.stringify's once ensure_ascii is off; invalid UTF-8 turns
  // into U+FFFD as it would when a server decodes the bytes.
  out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

template <typename J>
void write(const J& v, std::string& out) {
  using T = nlohmann::json::value_t;
  switch (v.type()) {
    case T::boolean:
      out += v.template get<bool>() ? "true" : "false";
      break;
    case T::number_integer: {
      auto i = v.template get<int64_t>();
      out += (i >= -kMaxSafe && i <= kMaxSafe) ? std::to_string(i) : js_number(double(i));
      break;
    }
    case T::number_unsigned: {
      auto u = v.template get<uint64_t>();
      out += u <= uint64_t(kMaxSafe) ? std::to_string(u) : js_number(double(u));
      break;
    }
    case T::number_float:
      out += js_number(v.template get<double>());
      break;
    case T::string:
      write_string(v.template get_ref<const std::string&>(), out);
      break;
    case T::array: {
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        write(v[i], out);
      }
      out += ']';
      break;
    }
    case T::object: {
      using Member = std::pair<const std::string*, const J*>;
      std::vector<std::pair<uint32_t, Member>> indexed;
      std::vector<Member> named, members;
      for (auto it = v.begin(); it != v.end(); ++it) {
        Member m{&it.key(), &it.value()};
        if (auto idx = array_index(it.key()))
          indexed.emplace_back(*idx, m);
        else
          named.push_back(m);
      }
      std::sort(indexed.begin(), indexed.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& p : indexed) members.push_back(p.second);
      members.insert(members.end(), named.begin(), named.end());
      out += '{';
      for (size_t i = 0; i < members.size(); ++i) {
        if (i) out += ',';
        write_string(*members[i].first, out);
        out += ':';
        write(*members[i].second, out);
      }
      out += '}';
      break;
    }
    default:
      out += "null";
      break;  // null, and kinds JavaScript has no JSON for
  }
}

}  // namespace

std::string compact_json(const nlohmann::ordered_json& value) {
  std::string out;
  write(value, out);
  return out;
}

std::string compact_json(const nlohmann::json& value) {
  std::string out;
  write(value, out);
  return out;
}

std::optional<std::string> js_reserialize(std::string_view text) {
  auto parsed = json_limits::parse_ordered(text);
  if (!parsed) return std::nullopt;
  return compact_json(*parsed);
}

bool is_compact_json(std::string_view text) {
  auto again = js_reserialize(text);
  return again && *again == text;
}

}  // namespace wm::openpayments
