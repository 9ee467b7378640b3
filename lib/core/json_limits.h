// JSON parsing with a nesting limit, for every document that comes from the network (webhooks,
// API bodies, Open Payments and Owncast responses) or back from the store.
//
// nlohmann's parser is iterative, but dumping, copying and comparing a tree recurse once per
// level: a 120 KB body of 60,000 nested arrays parses fine and then overflows the stack when it
// is served. Counting depth in the SAX events refuses such a document before any tree is built.
#pragma once
#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace wm::json_limits {

// Objects and arrays nested deeper than this are refused. Owncast's webhooks and Open Payments
// responses nest at most 6 levels; 64 leaves room without letting recursion grow.
inline constexpr size_t kMaxDepth = 64;

// Errors: "invalid_json" (not JSON, or trailing bytes; the message names the position) and
// "too_deep" (more than max_depth nested objects/arrays; nothing is built).
Result<nlohmann::json> parse(std::string_view text, size_t max_depth = kMaxDepth);
Result<nlohmann::ordered_json> parse_ordered(std::string_view text, size_t max_depth = kMaxDepth);

// Drop-in for json::parse(text, nullptr, false): a discarded value on any error, depth included.
nlohmann::json parse_or_discarded(std::string_view text, size_t max_depth = kMaxDepth);

// Depth of a tree already built (0 for a scalar), counting at most `stop_at` levels, without
// recursion. For trees that did not come through parse().
size_t depth(const nlohmann::json& j, size_t stop_at = kMaxDepth + 1);

}  // namespace wm::json_limits
