// The word filter (issue 13, Moderation): words the streamer does not want on stream are
// replaced by "***" in alerts and chat announcements. The tip itself (table "tips") keeps what
// the viewer typed; only what is shown is filtered.
//
// Matching, chosen for predictability over cleverness:
//   - Case- and accent-insensitive: ASCII letters fold to lower case, and the accented Latin
//     letters of Latin-1 Supplement (U+00C0-U+00FF) and Latin Extended-A (U+0100-U+017F) fold to
//     their base letters ("É" -> "e", "ß" -> "ss", "Œ" -> "oe", "Ł" -> "l"); combining accents
//     (U+0300-U+036F) are ignored. Other characters are compared as they are.
//   - Whole words: an entry matches only where it is neither preceded nor followed by a word
//     character (ASCII letter or digit, or a folded accented letter), so "ass" never hits
//     "class". Everything else (spaces, punctuation, emoji, other scripts) separates words.
//   - An entry ending in '*' matches any word that starts with it ("idiot*" hits "idiots",
//     "idiotic"); the whole word is replaced.
//   - An entry may hold several words ("go away"): it matches that phrase with the same spacing.
//   - Each match is replaced by exactly "***" (one per match, whatever its length).
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wm::moderation {

// The built-in list (filter.cpp, kBuiltinWords): a small set of common English slurs and
// profanities, in the entry syntax above. Applied together with the streamer's own list.
std::span<const std::string_view> builtin_words();

// `text` folded for matching: ASCII lower case, accented Latin letters to base letters,
// combining accents dropped. Invalid UTF-8 bytes are kept as they are.
std::string fold(std::string_view text);

// `text` with every match of any entry of `words` (entry syntax above) replaced by "***".
// Empty entries (or entries with no letter or digit) are ignored. Pure; never throws.
std::string filter_text(std::string_view text, const std::vector<std::string>& words);

}  // namespace wm::moderation
