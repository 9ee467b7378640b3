// JSON text exactly as JavaScript's JSON.stringify(value) writes it.
//
// Open Payments servers digest JSON.stringify(<parsed body>), not the bytes received, so a body
// only verifies when it already is that text: no whitespace, '/' and non-ASCII unescaped, control
// characters as \b \f \n \r \t or lower-case \u00xx, numbers in JavaScript's shortest form
// (1.0 -> 1, 1e21 -> 1e+21, integers beyond 2^53 rounded), and integer-like object keys
// ("2", "10") first in ascending numeric order, the other keys in insertion order.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace wm::openpayments {

std::string compact_json(const nlohmann::ordered_json& value);  // keeps insertion order
std::string compact_json(const nlohmann::json& value);          // keys come sorted

// JSON.stringify(JSON.parse(text)); nullopt if text is not valid JSON.
std::optional<std::string> js_reserialize(std::string_view text);

// True when text is valid JSON that JSON.stringify(JSON.parse(text)) reproduces byte for byte.
bool is_compact_json(std::string_view text);

}  // namespace wm::openpayments
