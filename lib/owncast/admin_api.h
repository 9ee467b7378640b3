// Connecting the sidecar to Owncast: probing a server and an access token, and setting up
// everything the sidecar needs (webhook, access token, External Action) with Owncast's admin API
// in one step. Talks HTTP through ApiClient (lib/net, policy admin_configured); no state, no logging (the admin password and tokens are
// secrets: they appear in no error message).
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace wm::owncast {

struct Probe {
  std::string version;                  // GET /api/status -> versionNumber
  bool online = false;                  // GET /api/status -> online
  std::map<std::string, bool> scopes;   // HAS_ADMIN_ACCESS, CAN_SEND_SYSTEM_MESSAGES, CAN_SEND_MESSAGES
};

// GET /api/status (public) for version/online. Scopes of an access token, side-effect free:
// HAS_ADMIN_ACCESS: GET /api/integrations/clients 200 vs 401; CAN_SEND_SYSTEM_MESSAGES: POST
// /api/integrations/chat/system with {} (no body field) -> 400 means allowed, 401 not;
// CAN_SEND_MESSAGES: POST /api/integrations/chat/send with {"body":""} -> 400 allowed, 401 not.
// Never sends a visible message. An empty token makes no integration calls (all scopes false).
// Errors: owncast_unreachable, not_owncast (status is not Owncast's shape), invalid_url.
Result<Probe> probe(const std::string& base_url, const std::string& token, int timeout_s = 5);

struct ConnectPlan {
  std::string webhook_url;                 // full URL with our secret token
  std::string webhook_url_prefix;          // "<public>/webhooks/owncast/": older webhooks of ours (rotated token) are replaced, not duplicated
  std::vector<std::string> events;         // from plugin.yml
  nlohmann::json external_action;          // {url,title,description,icon,color,openExternally} with absolute URLs
  std::string token_name = "Tips";         // Owncast bot display name
  std::vector<std::string> scopes;         // from plugin.yml
  std::string existing_token;              // reuse when Owncast still lists it with all scopes
};

struct ConnectReport {
  int webhook_id = 0;
  bool webhook_created = false;   // false: an identical webhook of ours was kept
  int webhooks_removed = 0;       // older/duplicate webhooks of ours that were deleted
  bool token_created = false;     // false: existing_token was reused
  std::string access_token;       // secret: store it, never print or log it
  std::string token_name;
  bool action_created = false;    // appended to Owncast's External Actions
  bool action_updated = false;    // an entry of ours was replaced (false + !created: already identical)
  std::string version;            // Owncast's versionNumber
};

// With the Owncast admin password (used for these calls only, never stored or logged):
// - webhook: keep one with the same URL and exactly the events (any order); otherwise create it
//   once. Every other webhook of ours (same URL, or URL under webhook_url_prefix: a rotated
//   token) is deleted after the new one exists. Other webhooks are never touched.
// - token: reuse existing_token if Owncast lists it with all scopes, else create one named
//   token_name with the scopes.
// - external action: read /api/admin/serverconfig, replace the entry whose url equals ours (or
//   starts with the folder of our action URL from plugin.yml; further entries of ours are dropped),
//   else append; POST the whole list back, preserving the operator's other actions. No POST when
//   our entry is already identical.
// All reads happen before the first change, so a wrong password or an unreadable answer changes
// nothing. Owncast's 200-with-{"error":...} answers count as failures.
// Errors: invalid_url, owncast_unreachable, not_owncast, owncast_unauthorized (wrong admin
// password, 401), owncast_error (with Owncast's message).
Result<ConnectReport> connect(const std::string& base_url, const std::string& admin_password,
                              const ConnectPlan& plan, int timeout_s = 10);

struct MonetizationChange {
  bool enabled = false;  // our Web Monetization snippet is in Owncast's custom JavaScript now
  bool changed = false;  // false: it already was as asked (no write)
};

// Web Monetization on Owncast's page (web_monetization.h): checks the admin password (GET
// /api/admin/serverconfig), reads the custom JavaScript (GET /customjavascript), merges `snippet`
// into it (non-empty) or removes ours (empty), and writes it back (POST
// /api/admin/config/customjavascript {"value"}) only when the text changes. The streamer's own
// code around our marked block is kept byte for byte. Errors as connect().
Result<MonetizationChange> set_web_monetization(const std::string& base_url, const std::string& admin_password,
                                                const std::string& snippet, int timeout_s = 10);
// Whether Owncast's custom JavaScript holds our snippet (public GET /customjavascript).
// Errors: invalid_url, owncast_unreachable, owncast_error.
Result<bool> web_monetization_enabled(const std::string& base_url, int timeout_s = 5);

// Builds the plan from the embedded plugin.yml for a sidecar reachable at public_url with
// webhook_token (existing_token stays empty). Errors: invalid_url, invalid_plugin_yml.
Result<ConnectPlan> plan_from_plugin_yml(const std::string& public_url, const std::string& webhook_token);

}  // namespace wm::owncast
