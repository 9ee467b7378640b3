#include "moderation/filter.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace wm::moderation {

namespace {

// The built-in list: common English slurs and profanities that streamers most often block,
// deliberately small (the streamer's own list is the real tool). Entry syntax: filter.h.
constexpr std::string_view kBuiltinWords[] = {
    "fuck*",  "motherfuck*", "shit",    "shitty", "bullshit", "cunt*",  "bitch*",
    "asshole*", "dickhead*", "twat*",   "wank*",  "whore*",   "slut*",  "retard*",
    "fag",    "faggot*",     "nigger*", "nigga*", "kike*",    "spic*",
};

// Accented Latin letters (code points) and the base letters they fold to.
struct Fold {
  uint16_t first, last;
  std::string_view base;
};
// Latin-1 Supplement U+00C0-U+00FF and Latin Extended-A U+0100-U+017F. × and ÷ are not letters.
constexpr Fold kFolds[] = {
    {0xC0, 0xC5, "a"},   {0xC6, 0xC6, "ae"},  {0xC7, 0xC7, "c"},   {0xC8, 0xCB, "e"},   {0xCC, 0xCF, "i"},
    {0xD0, 0xD0, "d"},   {0xD1, 0xD1, "n"},   {0xD2, 0xD6, "o"},   {0xD8, 0xD8, "o"},   {0xD9, 0xDC, "u"},
    {0xDD, 0xDD, "y"},   {0xDE, 0xDE, "th"},  {0xDF, 0xDF, "ss"},  {0xE0, 0xE5, "a"},   {0xE6, 0xE6, "ae"},
    {0xE7, 0xE7, "c"},   {0xE8, 0xEB, "e"},   {0xEC, 0xEF, "i"},   {0xF0, 0xF0, "d"},   {0xF1, 0xF1, "n"},
    {0xF2, 0xF6, "o"},   {0xF8, 0xF8, "o"},   {0xF9, 0xFC, "u"},   {0xFD, 0xFD, "y"},   {0xFE, 0xFE, "th"},
    {0xFF, 0xFF, "y"},   {0x100, 0x105, "a"}, {0x106, 0x10D, "c"}, {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"},
    {0x11C, 0x123, "g"}, {0x124, 0x127, "h"}, {0x128, 0x131, "i"}, {0x132, 0x133, "ij"}, {0x134, 0x135, "j"},
    {0x136, 0x138, "k"}, {0x139, 0x142, "l"}, {0x143, 0x14B, "n"}, {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"},
    {0x154, 0x159, "r"}, {0x15A, 0x161, "s"}, {0x162, 0x167, "t"}, {0x168, 0x173, "u"}, {0x174, 0x175, "w"},
    {0x176, 0x178, "y"}, {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"},
};

std::string_view base_of(uint32_t cp) {
  for (const auto& f : kFolds)
    if (cp >= f.first && cp <= f.last) return f.base;
  return {};
}

bool is_word(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Folded text with, per folded byte, the original byte range of the character it came from.
struct Folded {
  std::string text;
  std::vector<size_t> begin, end;
  void add(std::string_view s, size_t b, size_t e) {
    for (char c : s) {
      text += c;
      begin.push_back(b);
      end.push_back(e);
    }
  }
};

// A two-byte UTF-8 sequence at `i`: its code point, or 0.
uint32_t two_byte(std::string_view s, size_t i) {
  const auto a = static_cast<unsigned char>(s[i]);
  if (i + 1 >= s.size() || (a & 0xE0) != 0xC0) return 0;
  const auto b = static_cast<unsigned char>(s[i + 1]);
  if ((b & 0xC0) != 0x80) return 0;
  return ((a & 0x1Fu) << 6) | (b & 0x3Fu);
}

Folded fold_mapped(std::string_view s) {
  Folded f;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c >= 'A' && c <= 'Z') {
      f.add(std::string(1, static_cast<char>(c - 'A' + 'a')), i, i + 1);
      ++i;
      continue;
    }
    const uint32_t cp = two_byte(s, i);
    if (cp >= 0x300 && cp <= 0x36F) {  // a combining accent: belongs to the letter before it
      if (!f.end.empty())
        for (size_t k = f.end.size(); k > 0 && f.end[k - 1] == i; --k) f.end[k - 1] = i + 2;
      i += 2;
      continue;
    }
    if (auto base = cp ? base_of(cp) : std::string_view(); !base.empty()) {
      f.add(base, i, i + 2);
      i += 2;
      continue;
    }
    f.add(std::string_view(&s[i], 1), i, i + 1);
    ++i;
  }
  return f;
}

struct Entry {
  std::string word;  // folded, without the trailing '*'
  bool prefix = false;
};

std::vector<Entry> entries_of(const std::vector<std::string>& words) {
  std::vector<Entry> out;
  for (const auto& w : words) {
    std::string e = fold(w);
    while (!e.empty() && e.back() == ' ') e.pop_back();
    e.erase(0, e.find_first_not_of(' ') == std::string::npos ? e.size() : e.find_first_not_of(' '));
    const bool prefix = !e.empty() && e.back() == '*';
    if (prefix) e.pop_back();
    if (std::none_of(e.begin(), e.end(), is_word)) continue;
    out.push_back({e, prefix});
  }
  // Longest first: "motherfucker" wins over "fuck*" at the same place.
  std::stable_sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.word.size() > b.word.size(); });
  return out;
}

// The end of a match of `e` at `i` in `t`, or 0 when it does not match there.
size_t match_at(const std::string& t, size_t i, const Entry& e) {
  if (t.compare(i, e.word.size(), e.word) != 0) return 0;
  if (i > 0 && is_word(t[i - 1]) && is_word(e.word.front())) return 0;
  size_t j = i + e.word.size();
  if (e.prefix) {
    while (j < t.size() && is_word(t[j])) ++j;
    return j;
  }
  if (j < t.size() && is_word(t[j]) && is_word(e.word.back())) return 0;
  return j;
}

}  // namespace

std::span<const std::string_view> builtin_words() { return kBuiltinWords; }

std::string fold(std::string_view text) { return fold_mapped(text).text; }

std::string filter_text(std::string_view text, const std::vector<std::string>& words) {
  const std::vector<Entry> entries = entries_of(words);
  if (entries.empty() || text.empty()) return std::string(text);
  const Folded f = fold_mapped(text);
  std::string out;
  size_t copied = 0;  // original bytes before this are in `out`
  for (size_t i = 0; i < f.text.size();) {
    size_t j = 0;
    for (const auto& e : entries)
      if ((j = match_at(f.text, i, e)) != 0) break;
    if (j == 0) {
      ++i;
      continue;
    }
    const size_t from = f.begin[i], to = f.end[j - 1];
    if (from < copied) {  // inside a character already replaced (cannot happen with whole letters)
      i = j;
      continue;
    }
    out.append(text.substr(copied, from - copied));
    out += "***";
    copied = to;
    i = j;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace wm::moderation
