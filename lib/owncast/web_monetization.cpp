#include "owncast/web_monetization.h"

#include <cstring>

namespace wm::owncast {

namespace {

struct Span {
  size_t begin = std::string::npos;  // offset of the begin marker
  size_t end = 0;                    // offset just past the end marker
};

Span find_block(const std::string& js) {
  Span s;
  size_t b = js.find(kMonetizationBegin);
  if (b == std::string::npos) return s;
  size_t e = js.find(kMonetizationEnd, b);
  if (e == std::string::npos) return s;
  s.begin = b;
  s.end = e + std::strlen(kMonetizationEnd);
  return s;
}

bool safe_url(const std::string& url) {
  if (url.rfind("https://", 0) != 0 || url.size() <= 8 || url.size() > 2048) return false;
  for (unsigned char ch : url)
    if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\'' || ch == '<' || ch == '>' || ch == '\\' || ch == '`')
      return false;
  return true;
}

}  // namespace

Result<std::string> monetization_snippet(const std::string& wallet_url) {
  if (!safe_url(wallet_url))
    return Error{"invalid_wallet",
                 "Web Monetization needs the streamer's wallet address as an https:// URL (set it in Settings first)"};
  // Reuses our <link> when the script runs twice (Owncast's page is a single-page app).
  std::string js = kMonetizationBegin;
  js += "\n(function () { var d = document, l = d.querySelector('link[rel=\"monetization\"][data-owncast-wm]') || "
        "d.createElement('link'); l.rel = 'monetization'; l.href = '";
  js += wallet_url;
  js += "'; l.setAttribute('data-owncast-wm', ''); if (!l.parentNode) d.head.appendChild(l); })();\n";
  js += kMonetizationEnd;
  return js;
}

bool has_monetization(const std::string& custom_js) { return find_block(custom_js).begin != std::string::npos; }

std::string with_monetization(const std::string& custom_js, const std::string& snippet) {
  Span s = find_block(custom_js);
  if (s.begin != std::string::npos) return custom_js.substr(0, s.begin) + snippet + custom_js.substr(s.end);
  std::string out = custom_js;
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + snippet + "\n";
}

std::string without_monetization(const std::string& custom_js) {
  Span s = find_block(custom_js);
  if (s.begin == std::string::npos) return custom_js;
  size_t end = s.end;
  if (end < custom_js.size() && custom_js[end] == '\n') ++end;
  return custom_js.substr(0, s.begin) + custom_js.substr(end);
}

}  // namespace wm::owncast
