// escape_chat: viewer text must render as itself in Owncast's unsanitised system messages.
#include <catch2/catch.hpp>

#include <string>

#include "notify/announce.h"

using wm::notify::escape_chat;

namespace {

// Decodes the character references escape_chat writes, to compare against the plain text.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.find(';', i);
    REQUIRE(semi != std::string::npos);
    std::string ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out += '&';
    else if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "quot") out += '"';
    else {
      REQUIRE(ent.size() > 1);
      REQUIRE(ent[0] == '#');
      int cp = std::stoi(ent.substr(1));
      REQUIRE(cp > 0);
      REQUIRE(cp < 128);
      out += static_cast<char>(cp);
    }
    i = semi;
  }
  return out;
}

// No byte that means anything to Markdown or HTML survives outside a character reference.
bool inert(const std::string& escaped) {
  std::string without_refs;
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] == '&') {
      size_t semi = escaped.find(';', i);
      if (semi == std::string::npos) return false;
      i = semi;
      continue;
    }
    without_refs += escaped[i];
  }
  return without_refs.find_first_of("&<>\"'*_`[]()\\#~|!:@{}=$^") == std::string::npos;
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t j = 1; j < len; ++j)
      if ((static_cast<unsigned char>(s[i + j]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

}  // namespace

TEST_CASE("notify: escape_chat leaves plain text, names and decimal amounts untouched") {
  CHECK(escape_chat("quiet-otter") == "quiet-otter");
  CHECK(escape_chat("Mira ✨") == "Mira ✨");
  CHECK(escape_chat("5.00 EUR") == "5.00 EUR");
  CHECK(escape_chat("thanks for the stream, great set?") == "thanks for the stream, great set?");
  CHECK(escape_chat("👨‍👩‍👧 family") == "👨‍👩‍👧 family");  // ZWJ sequence kept
}

TEST_CASE("notify: escape_chat turns every HTML and Markdown special character into a reference") {
  const std::string specials = "&<>\"'*_`[]()\\#~|!:@{}=$^";
  for (char c : specials) {
    std::string in = std::string("a") + c + "b";
    std::string out = escape_chat(in);
    INFO("char " << c << " -> " << out);
    CHECK(inert(out));
    CHECK(unescape(out) == in);
  }
  CHECK(escape_chat("&") == "&amp;");
  CHECK(escape_chat("<") == "&lt;");
  CHECK(escape_chat(">") == "&gt;");
  CHECK(escape_chat("\"") == "&quot;");
  CHECK(escape_chat("'") == "&#39;");
  CHECK(escape_chat("**bold** _em_ `code`") == "&#42;&#42;bold&#42;&#42; &#95;em&#95; &#96;code&#96;");
  CHECK(escape_chat("a\\*b") == "a&#92;&#42;b");
  CHECK(escape_chat("~~strike~~ | table |") == "&#126;&#126;strike&#126;&#126; &#124; table &#124;");
}

TEST_CASE("notify: escape_chat neutralises Markdown link injection") {
  std::string out = escape_chat("[x](http://evil)");
  CHECK(out == "&#91;x&#93;&#40;http&#58;//evil&#41;");
  CHECK(inert(out));
  CHECK(unescape(out) == "[x](http://evil)");
  CHECK(inert(escape_chat("[click][1] [1]: http://evil.example")));
  CHECK(inert(escape_chat("<http://evil.example>")));
}

TEST_CASE("notify: escape_chat neutralises Markdown image injection") {
  std::string out = escape_chat("![i](http://evil.example/x.png \"t\")");
  CHECK(out.rfind("&#33;&#91;i&#93;&#40;", 0) == 0);
  CHECK(inert(out));
  CHECK(unescape(out) == "![i](http://evil.example/x.png \"t\")");
}

TEST_CASE("notify: escape_chat neutralises raw HTML") {
  std::string out = escape_chat("<img src=x onerror=alert(1)>");
  CHECK(out == "&lt;img src&#61;x onerror&#61;alert&#40;1&#41;&gt;");
  CHECK(inert(escape_chat("<script>alert('x')</script>")));
  CHECK(inert(escape_chat("<a href=\"javascript:alert(1)\">hi</a>")));
  CHECK(escape_chat("&lt;b&gt;") == "&amp;lt;b&amp;gt;");  // entities typed by the viewer stay text
}

TEST_CASE("notify: escape_chat breaks autolinks (scheme, www and e-mail)") {
  CHECK(escape_chat("http://evil.example") == "http&#58;//evil&#46;example");
  CHECK(escape_chat("www.evil.example") == "www&#46;evil&#46;example");
  CHECK(escape_chat("me@evil.example") == "me&#64;evil&#46;example");
}

TEST_CASE("notify: escape_chat leaves emoji shortcodes harmless") {
  std::string out = escape_chat(":smile: :owncast:");
  CHECK(out == "&#58;smile&#58; &#58;owncast&#58;");
  CHECK(out.find(':') == std::string::npos);
  CHECK(unescape(out) == ":smile: :owncast:");
}

TEST_CASE("notify: escape_chat defuses block markers at the start") {
  CHECK(escape_chat("- item") == "&#45; item");
  CHECK(escape_chat("+ item") == "&#43; item");
  CHECK(escape_chat("> quote") == "&gt; quote");
  CHECK(escape_chat("# heading") == "&#35; heading");
  CHECK(escape_chat("1. item") == "1&#46; item");
  CHECK(escape_chat("2) item") == "2&#41; item");
  CHECK(escape_chat("---") == "&#45;--");
  CHECK(escape_chat("    code") == "code");  // no indented code block
}

TEST_CASE("notify: escape_chat strips control characters and collapses newlines") {
  CHECK(escape_chat("a\x01" "b\x7f" "c\x1b[31md") == "abc&#91;31md");
  CHECK(escape_chat("line1\nline2\r\n\tline3") == "line1 line2 line3");
  CHECK(escape_chat("  spaced   out  ") == "spaced out");
  CHECK(escape_chat("a\u2028b\u2029c") == "a b c");
  CHECK(escape_chat("evil\u202Etxt.exe") == "eviltxt&#46;exe");  // bidi override removed
  CHECK(escape_chat("zero\u200Bwidth") == "zerowidth");
  CHECK(escape_chat(std::string("nul\0byte", 8)) == "nulbyte");
  CHECK(escape_chat("\xC2\x85next") == "next");  // C1 NEL at the start: trimmed
  CHECK(escape_chat("\n\n\n").empty());
}

TEST_CASE("notify: escape_chat cuts long text on a code point boundary with an ellipsis") {
  std::string in;
  for (int i = 0; i < 300; ++i) in += "é";
  std::string out = escape_chat(in);
  CHECK(code_points(out) == 280);
  CHECK(valid_utf8(out));
  CHECK(out.substr(out.size() - 3) == "…");
  CHECK(out.substr(0, 2 * 279) == in.substr(0, 2 * 279));

  std::string emoji;
  for (int i = 0; i < 20; ++i) emoji += "🎉";
  std::string cut = escape_chat(emoji, 7);
  CHECK(cut == "🎉🎉🎉🎉🎉🎉…");
  CHECK(valid_utf8(cut));

  std::string exact(280, 'x');
  CHECK(escape_chat(exact) == exact);  // at the limit: unchanged
}

TEST_CASE("notify: escape_chat replaces invalid UTF-8") {
  CHECK(escape_chat("a\xff" "b") == "a\uFFFD" "b");
  CHECK(escape_chat("end\xC3") == "end\uFFFD");                  // truncated sequence
  CHECK(escape_chat("\xC0\xAF") == "\uFFFD\uFFFD");              // overlong '/'
  CHECK(escape_chat("\xED\xA0\x80") == "\uFFFD\uFFFD\uFFFD");    // UTF-16 surrogate
  CHECK(escape_chat("\xF4\x90\x80\x80") == "\uFFFD\uFFFD\uFFFD\uFFFD");  // above U+10FFFF
  CHECK(escape_chat("\xE2\x82" "x") == "\uFFFD" "x");
  CHECK(valid_utf8(escape_chat("\x80\x81\xFE\xFF mixed \xE2\x9C\xA8")));
}
