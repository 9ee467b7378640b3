// Web Monetization on Owncast's own page. Browsers with a Web Monetization agent pay a page whose
// document has <link rel="monetization" href="WALLET"> (an iframe such as our widget is not
// enough), and Owncast lets the streamer add JavaScript to its page (custom scripting, served at
// GET /customjavascript). This file builds a marked, self-contained snippet that inserts that link
// and merges it into (or removes it from) the streamer's existing custom JavaScript without
// touching anything else there. Pure functions: no I/O (the admin API call is in admin_api.h).
#pragma once
#include <string>

#include "core/result.h"

namespace wm::owncast {

inline constexpr const char* kMonetizationBegin = "/* owncast-wm web-monetization: begin (managed by owncast-wm) */";
inline constexpr const char* kMonetizationEnd = "/* owncast-wm web-monetization: end */";

// The snippet for a wallet address URL (https://, at most 2048 printable ASCII characters, no
// quotes or angle brackets): begin marker, one line of script, end marker. The same address
// always gives the same text. Errors: "invalid_wallet" (with a message a person can act on).
Result<std::string> monetization_snippet(const std::string& wallet_url);

// Whether `custom_js` holds our block (begin marker followed by an end marker).
bool has_monetization(const std::string& custom_js);

// `custom_js` with our block replaced by `snippet`, or with `snippet` appended on its own line
// when there is none. Applying it twice gives the same text as once.
std::string with_monetization(const std::string& custom_js, const std::string& snippet);

// `custom_js` without our block and the line break it occupied; unchanged when there is none.
// with_monetization followed by without_monetization gives back the original text when it ended
// with a line break or was empty.
std::string without_monetization(const std::string& custom_js);

}  // namespace wm::owncast
