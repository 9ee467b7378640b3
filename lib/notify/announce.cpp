#include "notify/announce.h"

#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_limits.h"

namespace wm::notify {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes UTF-8 strictly (no overlongs, surrogates or values above U+10FFFF); every maximal
// invalid subpart becomes one U+FFFD.
std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    size_t len = 0;
    char32_t cp = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0F;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    size_t j = 1;
    for (; j < len && i + j < s.size(); ++j) {
      auto b = static_cast<unsigned char>(s[i + j]);
      unsigned char l = j == 1 ? lo : 0x80, h = j == 1 ? hi : 0xBF;
      if (b < l || b > h) break;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (j == len) {
      out.push_back(cp);
      i += len;
    } else {
      out.push_back(kReplacement);
      i += j;  // skip the valid prefix of the broken sequence
    }
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_space_like(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x85 ||
         c == 0x2028 || c == 0x2029;
}

// Characters removed outright: C0/C1 controls, DEL, invisible direction/format marks that could
// reorder or hide text. ZWJ/ZWNJ (emoji sequences, scripts) and variation selectors stay.
bool is_dropped(char32_t c) {
  if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)) return true;
  if (c == 0x061C || c == 0x200B || c == 0x200E || c == 0x200F || c == 0xFEFF) return true;
  if (c >= 0x202A && c <= 0x202E) return true;
  if (c >= 0x2060 && c <= 0x2064) return true;
  if (c >= 0x2066 && c <= 0x206F) return true;
  if (c >= 0xFFF9 && c <= 0xFFFB) return true;
  if (c >= 0xD800 && c <= 0xDFFF) return true;  // cannot come from decode_utf8; be safe
  return false;
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

// ASCII characters that always become character references.
bool always_escaped(char32_t c) {
  switch (c) {
    case '&': case '<': case '>': case '"': case '\'': case '*': case '_': case '`': case '[':
    case ']': case '(': case ')': case '\\': case '#': case '~': case '|': case '!': case ':':
    case '@': case '{': case '}': case '=': case '$': case '^':
      return true;
    default:
      return false;
  }
}

void append_reference(std::string& out, char32_t c) {
  switch (c) {
    case '&': out += "&amp;"; return;
    case '<': out += "&lt;"; return;
    case '>': out += "&gt;"; return;
    case '"': out += "&quot;"; return;
    default:
      out += "&#" + std::to_string(static_cast<uint32_t>(c)) + ";";
  }
}

bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool ends_with(const std::string& s, size_t floor, std::string_view suffix) {
  return s.size() >= floor + suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void trim_tail_spaces(std::string& s, size_t floor) {
  while (s.size() > floor && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
}

// Removes the separator that introduced an empty {message}: trailing spaces, then one of the
// usual joiners, then spaces again. Never cuts into text before `floor` (escaped values).
void drop_separator(std::string& s, size_t floor) {
  trim_tail_spaces(s, floor);
  static constexpr std::string_view kSeparators[] = {"—", "–", "-", ":", ",", "|", "·", "/", "~"};
  for (auto sep : kSeparators) {
    if (ends_with(s, floor, sep)) {
      s.resize(s.size() - sep.size());
      trim_tail_spaces(s, floor);
      break;
    }
  }
}

// Quotes and brackets written right before an empty {message} ("{message}", ({message}),
// *{message}*): removed from `s`; returns their closers, innermost first, to skip after it.
std::vector<std::string_view> drop_openers(std::string& s, size_t floor) {
  static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
      {"\"", "\""}, {"'", "'"}, {"“", "”"}, {"„", "“"}, {"‘", "’"},
      {"«", "»"}, {"‹", "›"}, {"(", ")"}, {"[", "]"}, {"*", "*"}, {"_", "_"},
      {"`", "`"}, {"「", "」"}};
  std::vector<std::string_view> closers;
  for (bool found = true; found;) {
    found = false;
    for (const auto& [open, close] : kPairs) {
      if (!ends_with(s, floor, open)) continue;
      s.resize(s.size() - open.size());
      closers.push_back(close);
      found = true;
      break;
    }
  }
  return closers;
}

}  // namespace

std::string escape_chat(std::string_view viewer_text, size_t max_code_points) {
  std::u32string in = decode_utf8(viewer_text);
  // Clean: drop invisible/control characters, collapse whitespace, trim.
  std::u32string clean;
  clean.reserve(in.size());
  bool pending_space = false;
  for (char32_t c : in) {
    if (is_space_like(c)) {
      pending_space = !clean.empty();
      continue;
    }
    if (is_dropped(c)) continue;
    if (pending_space) clean.push_back(' ');
    pending_space = false;
    clean.push_back(c);
  }
  if (max_code_points > 0 && clean.size() > max_code_points) {
    clean.resize(max_code_points - 1);
    while (!clean.empty() && clean.back() == ' ') clean.pop_back();
    clean.push_back(0x2026);  // …
  }
  std::string out;
  out.reserve(clean.size() + 16);
  for (size_t i = 0; i < clean.size(); ++i) {
    char32_t c = clean[i];
    bool escape = always_escaped(c);
    if (c == '-' || c == '+') escape = i == 0;  // list markers / thematic breaks at line start
    if (c == '.') {
      // Raw only inside a number ("5.00"): everywhere else it could end a list marker ("1.")
      // or make a domain autolink ("www.evil.com").
      bool in_number = i > 0 && i + 1 < clean.size() && is_digit(clean[i - 1]) && is_digit(clean[i + 1]);
      escape = !in_number;
    }
    if (escape)
      append_reference(out, c);
    else
      append_utf8(out, c);
  }
  return out;
}

Result<std::string> render_template(std::string_view tmpl, const Vars& vars, const TemplateOptions& opts) {
  std::string out;
  size_t floor = 0;  // end of the last substituted value; separators are only trimmed after it
  size_t i = 0;
  while (i < tmpl.size()) {
    char c = tmpl[i];
    if (c == '{' && i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    if (c == '}' && i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
      out += '}';
      i += 2;
      continue;
    }
    if (c == '{') {
      size_t j = i + 1;
      while (j < tmpl.size() && is_ident_char(tmpl[j])) ++j;
      if (j > i + 1 && j < tmpl.size() && tmpl[j] == '}') {
        std::string_view name = tmpl.substr(i + 1, j - i - 1);
        if (name == "name") {
          const std::string& n = vars.anonymous ? opts.anonymous_name : vars.name;
          std::string v = escape_chat(n, 64);
          if (v.empty()) v = escape_chat(opts.anonymous_name, 64);
          out += v;
        } else if (name == "amount") {
          out += escape_chat(vars.amount, 64);
        } else if (name == "title") {
          out += escape_chat(vars.title, 200);
        } else if (name == "message") {
          std::string v = escape_chat(vars.message);
          if (v.empty()) {
            const auto closers = drop_openers(out, floor);
            drop_separator(out, floor);
            size_t k = j + 1;
            for (auto close : closers)
              if (tmpl.substr(k, close.size()) == close) k += close.size();
            j = k - 1;
          } else {
            out += v;
          }
        } else {
          return Error{"invalid_template", "unknown placeholder {" + std::string(name) +
                                               "}; use {name}, {amount}, {message} or {title}"};
        }
        floor = out.size();
        i = j + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
  // Trailing whitespace left by an empty message at the end.
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t' || out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  if (out.empty()) return Error{"invalid_template", "the announcement template renders to an empty message"};
  return out;
}

Status validate_template(std::string_view tmpl) {
  Vars probe{"n", false, "1 X", "m", "t"};
  auto r = render_template(tmpl, probe);
  if (!r) return r.error();
  return ok_status();
}

DeliveryOutcome classify_system_message_response(const Result<owncast::ApiResponse>& r) {
  if (!r) return {Delivery::retry, r.error().message};
  long st = r->status;
  if (st == 401 || st == 403)
    return {Delivery::permanent, "Owncast refused the access token (HTTP " + std::to_string(st) +
                                     "): it needs the CAN_SEND_SYSTEM_MESSAGES scope"};
  auto detail = [&]() -> std::string {
    auto j = json_limits::parse_or_discarded(r->body);
    std::string d;
    if (j.is_object()) {
      if (j.contains("error") && j["error"].is_string()) d = j["error"].get<std::string>();
      else if (j.contains("message") && j["message"].is_string()) d = j["message"].get<std::string>();
    }
    if (d.size() > 200) d.resize(200);
    return d.empty() ? std::string() : ": " + d;
  };
  if (st >= 400 && st < 500)
    return {Delivery::permanent, "Owncast rejected the system message (HTTP " + std::to_string(st) + detail() + ")"};
  if (st >= 500) return {Delivery::retry, "Owncast failed (HTTP " + std::to_string(st) + detail() + ")"};
  if (st == 200) {
    auto j = json_limits::parse_or_discarded(r->body);
    if (j.is_object() && j.contains("success") && j["success"].is_boolean() && j["success"].get<bool>())
      return {Delivery::sent, "sent"};
    return {Delivery::retry, "Owncast answered HTTP 200 without success" + detail()};
  }
  return {Delivery::retry, "unexpected HTTP " + std::to_string(st) + " from Owncast"};
}

DeliveryOutcome ChatPoster::post_system_message(const std::string& text) const {
  nlohmann::json body{{"body", text}};
  auto payload = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return classify_system_message_response(client_.post_json("/api/integrations/chat/system", payload));
}

std::string support_template(std::string_view tmpl) {
  std::string out(tmpl.empty() ? kDefaultSupportTemplate : tmpl);
  for (size_t at = out.find("{rate}"); at != std::string::npos; at = out.find("{rate}", at + 8))
    out.replace(at, 6, "{amount}");
  return out;
}

}  // namespace wm::notify
