#include "core/yaml.h"

#include <string>
#include <vector>

namespace wm::yaml {

namespace {

using json = nlohmann::json;

struct Line {
  int indent;
  std::string text;  // without indentation and comments
  int number;
};

std::string strip_comment(const std::string& s) {
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ')) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  return s;
}

Result<json> scalar(const std::string& raw, int line) {
  std::string s = rtrim(raw);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
    auto j = json::parse(s, nullptr, false);  // YAML double quotes escape like JSON for our subset
    if (j.is_discarded()) return Error{"invalid_yaml", "line " + std::to_string(line) + ": bad quoted string"};
    return j;
  }
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') {
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
      out += s[i];
      if (s[i] == '\'' && s[i + 1] == '\'') ++i;
    }
    return json(out);
  }
  if (s == "true") return json(true);
  if (s == "false") return json(false);
  if (!s.empty() && (s[0] == '{' || s[0] == '[' || s[0] == '&' || s[0] == '*' || s[0] == '|' || s[0] == '>'))
    return Error{"invalid_yaml", "line " + std::to_string(line) + ": unsupported YAML syntax"};
  return json(s);
}

class Parser {
 public:
  explicit Parser(std::vector<Line> lines) : lines_(std::move(lines)) {}

  Result<json> block(size_t& i, int indent) {
    if (i >= lines_.size()) return json(nullptr);
    if (lines_[i].text.rfind("- ", 0) == 0 || lines_[i].text == "-") return sequence(i, indent);
    return mapping(i, indent);
  }

 private:
  Result<json> mapping(size_t& i, int indent) {
    json out = json::object();
    while (i < lines_.size() && lines_[i].indent == indent) {
      const Line& l = lines_[i];
      if (l.text.rfind("- ", 0) == 0) return error(l, "sequence item where a key was expected");
      auto colon = l.text.find(':');
      if (colon == std::string::npos || (colon + 1 < l.text.size() && l.text[colon + 1] != ' '))
        return error(l, "expected 'key: value'");
      std::string key = rtrim(l.text.substr(0, colon));
      if (key.empty() || out.contains(key)) return error(l, "empty or repeated key '" + key + "'");
      std::string rest = colon + 1 < l.text.size() ? l.text.substr(colon + 2) : "";
      ++i;
      if (!rtrim(rest).empty()) {
        auto v = scalar(rest, l.number);
        if (!v) return v;
        out[key] = *v;
      } else if (i < lines_.size() && lines_[i].indent > indent) {
        auto v = block(i, lines_[i].indent);
        if (!v) return v;
        out[key] = *v;
      } else if (i < lines_.size() && lines_[i].indent == indent && lines_[i].text.rfind("- ", 0) == 0) {
        auto v = sequence(i, indent);  // "key:\n- a" (sequence at the same indent)
        if (!v) return v;
        out[key] = *v;
      } else {
        out[key] = nullptr;
      }
    }
    if (i < lines_.size() && lines_[i].indent > indent) return error(lines_[i], "unexpected indentation");
    return out;
  }

  Result<json> sequence(size_t& i, int indent) {
    json out = json::array();
    while (i < lines_.size() && lines_[i].indent == indent && lines_[i].text.rfind("-", 0) == 0) {
      Line l = lines_[i];
      std::string rest = l.text.size() > 2 ? l.text.substr(2) : "";
      size_t sp = rest.find_first_not_of(' ');
      rest = sp == std::string::npos ? "" : rest.substr(sp);
      auto colon = rest.find(": ");
      bool is_map = !rest.empty() && rest[0] != '"' && rest[0] != '\'' &&
                    (colon != std::string::npos || (!rest.empty() && rest.back() == ':'));
      if (is_map) {
        // "- key: value" starts a mapping whose keys sit at indent + 2.
        lines_[i].indent = indent + 2;
        lines_[i].text = rest;
        auto v = mapping(i, indent + 2);
        if (!v) return v;
        out.push_back(*v);
      } else if (rest.empty()) {
        ++i;
        if (i >= lines_.size() || lines_[i].indent <= indent) return error(l, "empty sequence item");
        auto v = block(i, lines_[i].indent);
        if (!v) return v;
        out.push_back(*v);
      } else {
        auto v = scalar(rest, l.number);
        if (!v) return v;
        out.push_back(*v);
        ++i;
      }
    }
    return out;
  }

  static Error error(const Line& l, const std::string& what) {
    return Error{"invalid_yaml", "line " + std::to_string(l.number) + ": " + what};
  }

  std::vector<Line> lines_;
};

}  // namespace

Result<json> parse(std::string_view text) {
  std::vector<Line> lines;
  int number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string raw(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    ++number;
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    if (raw.find('\t') != std::string::npos && raw.find_first_not_of(" \t") != std::string::npos &&
        raw.find('\t') < raw.find_first_not_of(" \t"))
      return Error{"invalid_yaml", "line " + std::to_string(number) + ": tabs are not allowed for indentation"};
    std::string t = rtrim(strip_comment(raw));
    size_t ind = t.find_first_not_of(' ');
    if (ind == std::string::npos) continue;
    if (t == "---") continue;
    lines.push_back({static_cast<int>(ind), t.substr(ind), number});
  }
  if (lines.empty()) return json::object();
  size_t i = 0;
  Parser p(lines);
  auto out = p.block(i, lines[0].indent);
  if (!out) return out;
  if (i != lines.size()) return Error{"invalid_yaml", "line " + std::to_string(lines[i].number) + ": unexpected indentation"};
  return out;
}

}  // namespace wm::yaml
