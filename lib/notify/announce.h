// Tip announcements in Owncast chat: escaping viewer text for Owncast's unsanitised system
// messages, rendering the streamer's template, and posting through the integration API.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "owncast/api_client.h"

namespace wm::notify {

inline constexpr size_t kMaxViewerCodePoints = 280;
inline constexpr std::string_view kDefaultTemplate = "🎉 {name} tipped {amount} — {message}";
inline constexpr std::string_view kDefaultAnonymousName = "Someone";
// Streaming support (issue 14): announced once a viewer's wallet approved ("support-announce").
inline constexpr std::string_view kDefaultSupportTemplate = "💜 {name} is now supporting the stream with {rate} per hour";
// A support template as render_template() takes it: {rate} (the rate per hour) is written as
// {amount}; everything else is unchanged ("" = kDefaultSupportTemplate).
std::string support_template(std::string_view tmpl);

// Makes viewer-typed text inert in a system message (Markdown with raw HTML, rendered without
// sanitising): invalid UTF-8 becomes U+FFFD; control, bidi-override and zero-width format
// characters are removed; all whitespace (newlines included) collapses to single spaces and
// the ends are trimmed; text longer than max_code_points is cut on a code-point boundary and
// ends in "…". Then every character with meaning to HTML or Markdown (including ':' for emoji
// shortcodes and ':' / '@' / "www." for autolinks, and list/heading markers at the start) is
// written as an HTML character reference, so it renders as itself and never as markup.
std::string escape_chat(std::string_view viewer_text, size_t max_code_points = kMaxViewerCodePoints);

// Values for the placeholders {name}, {amount}, {message}, {title}. All are escaped.
struct Vars {
  std::string name;        // display name typed by the viewer (ignored when anonymous)
  bool anonymous = false;  // then `anonymous_name` is shown
  std::string amount;      // display string, e.g. "5.00 EUR"
  std::string message;     // the viewer's note; may be empty
  std::string title;       // stream title
};

struct TemplateOptions {
  std::string anonymous_name = std::string(kDefaultAnonymousName);  // also used for an empty name
};

// Renders the streamer's (trusted) template. Placeholders are {name}, {amount}, {message} and
// {title}; "{{" and "}}" are literal braces. Any other {identifier} is an error
// ("invalid_template"), so a template can be validated when the streamer saves it. When the
// message is empty, {message} disappears together with the separator before it
// (" — ", " - ", ": ", ", ", " | " ...), so the default template reads "🎉 Ann tipped 5.00 EUR".
Result<std::string> render_template(std::string_view tmpl, const Vars& vars,
                                    const TemplateOptions& opts = {});
// Ok when render_template would accept the template.
Status validate_template(std::string_view tmpl);

// Outcome of one delivery attempt.
enum class Delivery { sent, retry, permanent };
struct DeliveryOutcome {
  Delivery kind = Delivery::retry;
  std::string reason;  // human text for logs; never contains the token
};

// Classifies Owncast's answer to POST /api/integrations/chat/system:
// sent only for HTTP 200 whose JSON body has success === true; 401/403 and other 4xx →
// permanent; 5xx, 200 with {"error":...} or anything else unexpected, and transport errors →
// retry.
DeliveryOutcome classify_system_message_response(const Result<owncast::ApiResponse>& r);

// Posts {"body": text} to <owncast>/api/integrations/chat/system with the client's Bearer token
// (the token needs CAN_SEND_SYSTEM_MESSAGES).
class ChatPoster {
 public:
  explicit ChatPoster(owncast::ApiClient client) : client_(std::move(client)) {}
  DeliveryOutcome post_system_message(const std::string& text) const;

 private:
  owncast::ApiClient client_;
};

}  // namespace wm::notify
