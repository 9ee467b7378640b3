// The viewer's tip panel (ui/widget), embedded in Owncast's External Action modal:
//   GET /plugins/wm/widget/tip-panel   the page (CSP with frame-ancestors = the Owncast origin)
//   GET /plugins/wm/widget/tip         alias (plugin.yml's externalAction url)
// Its script and stylesheet are served by GET /plugins/wm/ui/widget/... (see routes.cpp).
#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "http/server.h"

namespace wm::app {

// "scheme://host[:port]" of an http(s) URL (lower-cased, default port dropped), or "" when the
// URL is empty or not a plain http(s) URL usable as a CSP source.
std::string origin_of(std::string_view url);

// Value of the widget's frame-ancestors directive: the Owncast origin when owncast_url is a
// valid URL, otherwise 'self' followed by the valid origins of the comma-separated `extra` list.
std::string frame_ancestors(std::string_view owncast_url, std::string_view extra = {});

// Full Content-Security-Policy header value of the widget page.
std::string widget_csp(std::string_view owncast_url, std::string_view extra = {});

// owncast_url is asked per request (the admin page can change it at run time).
void register_widget_routes(http::Server& server, std::function<std::string()> owncast_url);

}  // namespace wm::app
