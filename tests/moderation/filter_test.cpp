// The word filter: whole words, case- and accent-insensitive, prefix entries, "***" per match.
#include <catch2/catch.hpp>

#include "moderation/filter.h"

using wm::moderation::filter_text;
using wm::moderation::fold;

TEST_CASE("moderation filter: folds ASCII case, Latin-1 and Latin Extended-A accents, combining accents") {
  CHECK(fold("HeLLo") == "hello");
  CHECK(fold("\xC3\x89T\xC3\x89") == "ete");                  // ÉTÉ
  CHECK(fold("Stra\xC3\x9F" "e") == "strasse");                // Straße
  CHECK(fold("\xC5\x81\xC3\xB3" "d\xC5\xBA") == "lodz");       // Łódź
  CHECK(fold("\xC5\x92uvre") == "oeuvre");                     // Œuvre
  CHECK(fold("e\xCC\x81t\xC3\xA9") == "ete");                  // e + combining acute, é
  CHECK(fold("\xC3\x97") == "\xC3\x97");                        // × is not a letter: kept
  CHECK(fold("\xD0\xB4\xD0\xB0") == "\xD0\xB4\xD0\xB0");        // Cyrillic: kept as is
  CHECK(fold(std::string("a\xC3", 2)) == std::string("a\xC3", 2));  // truncated UTF-8 kept
}

TEST_CASE("moderation filter: whole words only, each match becomes ***, the rest is untouched") {
  const std::vector<std::string> words{"ass", "bad"};
  CHECK(filter_text("you ass!", words) == "you ***!");
  CHECK(filter_text("first class, bass, assume", words) == "first class, bass, assume");
  CHECK(filter_text("bad bad BAD", words) == "*** *** ***");
  CHECK(filter_text("badly done", words) == "badly done");
  CHECK(filter_text("(bad)", words) == "(***)");
  CHECK(filter_text("bad\xF0\x9F\x98\xA1", words) == "***\xF0\x9F\x98\xA1");  // an emoji separates words
  CHECK(filter_text("", words).empty());
  CHECK(filter_text("nothing here", {}) == "nothing here");
}

TEST_CASE("moderation filter: case and accents in text and entry are ignored; the original bytes are replaced") {
  CHECK(filter_text("Quel CR\xC3\x89TIN !", {"cretin"}) == "Quel *** !");
  CHECK(filter_text("quel cretin", {"CR\xC3\x89TIN"}) == "quel ***");
  CHECK(filter_text("cre\xCC\x81tin.", {"cretin"}) == "***.");          // combining accent inside
  CHECK(filter_text("a cretine\xCC\x81 b", {"cretine"}) == "a *** b");   // combining accent at the end
  CHECK(filter_text("\xC3\xA9t\xC3\xA9 ete", {"\xC3\xA9t\xC3\xA9"}) == "*** ***");
  CHECK(filter_text("GROSSE gro\xC3\x9F" "e", {"grosse"}) == "*** ***");
}

TEST_CASE("moderation filter: prefix entries, phrases, longest entry first, junk entries ignored") {
  CHECK(filter_text("idiots and IDIOTIC idiot", {"idiot*"}) == "*** and *** ***");
  CHECK(filter_text("an idiot's", {"idiot*"}) == "an ***'s");
  CHECK(filter_text("go away now", {"go away"}) == "*** now");
  CHECK(filter_text("go  away", {"go away"}) == "go  away");  // the phrase's own spacing
  CHECK(filter_text("xyz", {"", "   ", "**", "!!"}) == "xyz");
  CHECK(filter_text("motherfuckers", {"fuck*", "motherfuck*"}) == "***");
  CHECK(filter_text("  spaced  ", {"  spaced "}) == "  ***  ");
}

TEST_CASE("moderation filter: the built-in list is non-empty, valid entries that match their own words") {
  const auto builtin = wm::moderation::builtin_words();
  REQUIRE(builtin.size() >= 10);
  std::vector<std::string> words(builtin.begin(), builtin.end());
  for (auto w : builtin) {
    std::string plain(w);
    if (plain.back() == '*') plain.pop_back();
    CHECK(filter_text("x " + plain + " y", words) == "x *** y");
  }
  CHECK(filter_text("What the F\xC3\x9A" "CK, shitty stream. Scunthorpe classic", words) ==
        "What the ***, *** stream. Scunthorpe classic");
}
