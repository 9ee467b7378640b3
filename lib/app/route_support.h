// Small helpers every route file of lib/app shares: reading request input into plain values
// (one query-parameter parser, JSON members) and the JSON error and "display" replies.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "core/result.h"
#include "core/text.h"
#include "http/server.h"
#include "openpayments/money.h"

namespace wm::app {

// The query parameter `name` as a whole number in [min, max]: nullopt when absent, `bad` when
// present but not a plain decimal number (no sign, no blanks) in range.
Result<std::optional<int64_t>> int_param(const http::Request& req, const char* name, int64_t min, int64_t max,
                                         const Error& bad);
// The query parameter, or `fallback` when the request has none.
std::string param_or(const http::Request& req, const char* name, const std::string& fallback);

// The JSON member `key` when it is a string, else "".
using json_util::str;
using text::without_trailing_slashes;

// {"error":{code, message, field?}}: `field` names the request member at fault, for forms.
void error_reply(http::Response& res, int status, const Error& e);
// 200 with every "display" amount of `out` in the streamer's currency style.
void styled_reply(http::Response& res, nlohmann::json out, openpayments::CurrencyStyle style);

}  // namespace wm::app
