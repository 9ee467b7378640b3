// What a webhook carries. Versioned JSON, the same for every standard endpoint:
//   {"type":"tip.completed","id":"msg_42","timestamp":"2026-…Z","data":{…}}
// Tips: the amount as an Open Payments amount object plus a display string; a hidden message is
// never sent ("message": null, "messageHidden": true); the sender wallet never (senderHash at most).
// Discord endpoints get {"content": <text>, "allowed_mentions": {"parse": []}} instead.
#pragma once
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "events/events.h"

namespace wm::webhooks {

struct Render {
  // Whether the tip's message was hidden by the streamer (checked at send time).
  std::function<bool(const std::string& tip_id)> hidden;
  // "5.00 EUR" / "€5.00" (the currency-display setting); default openpayments::format_amount.
  std::function<std::string(const openpayments::Amount&)> display;
  // Discord: the chat announcement's template rendered for a completed tip (message already
  // removed when hidden). Unset or "": a built-in sentence.
  std::function<std::string(const events::Event&, bool hidden)> announcement;
};

// Viewer text made inert for a Discord message: control characters dropped, whitespace collapsed
// to single spaces, at most 280 bytes (on a character boundary), and every Markdown character
// backslash-escaped. (Mentions are off anyway: allowed_mentions.parse = [].)
std::string discord_escape(std::string_view text);

nlohmann::json payload(const events::Event& e, const std::string& id, const Render& r);
nlohmann::json discord_body(const events::Event& e, const Render& r);

}  // namespace wm::webhooks
