// libFuzzer: the moderation word filter. Input: the streamer's entries, one per line, then a
// \x1f byte, then the tip message. Invariants: filtering never throws or reads out of bounds;
// the result never grows by more than "***" per byte of input; fold() is idempotent on valid UTF-8
// (messages arrive in JSON, which is valid UTF-8; on invalid bytes dropping a combining accent can
// join two stray bytes into a new one, which the filter treats as any other non-letter).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "moderation/filter.h"

namespace {

bool valid_utf8(std::string_view s) {
  try {
    (void)nlohmann::json(std::string(s)).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t sep = in.find('\x1f');
  const std::string_view list = sep == std::string_view::npos ? std::string_view() : in.substr(0, sep);
  const std::string_view text = sep == std::string_view::npos ? in : in.substr(sep + 1);
  std::vector<std::string> words;
  size_t start = 0;
  while (start < list.size() && words.size() < 64) {
    size_t nl = list.find('\n', start);
    if (nl == std::string_view::npos) nl = list.size();
    words.emplace_back(list.substr(start, nl - start));
    start = nl + 1;
  }
  const std::string out = wm::moderation::filter_text(text, words);
  if (out.size() > 3 * text.size() + 3) std::abort();
  if (valid_utf8(text)) {
    const std::string folded = wm::moderation::fold(text);
    if (wm::moderation::fold(folded) != folded) std::abort();
  }
  return 0;
}
