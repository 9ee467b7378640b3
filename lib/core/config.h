// Configuration: flags > environment > config file > defaults.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wm {

enum class SignatureMode { off, if_present, required };

struct Config {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8085;
  // --webhook-listen: a second listener serving only Owncast's webhook and /healthz, on its own
  // threads; port -1 = none (the webhook is served on --listen).
  std::string webhook_listen_host;
  int webhook_listen_port = -1;
  std::string data_dir = "./data";
  std::string public_url;        // how browsers reach the sidecar; derived from listen if empty
  std::string owncast_url;       // Owncast base URL
  std::string owncast_token;     // integration access token (secret)
  std::string webhook_token;     // path token(s), comma-separated: up to two for rotation (secret)
  std::string webhook_secret;    // Owncast 0.3.0 HMAC secret (secret)
  SignatureMode webhook_signatures = SignatureMode::if_present;
  std::string admin_password;    // secret
  std::string log_format = "text";
  size_t webhook_queue = 16384;  // events waiting for the writer
  std::string webhook_ack = "queued";  // queued | durable
  size_t http_threads = 64;
  size_t sse_max_clients = 32;  // live (SSE) connections per kind (overlay, dashboard)
  bool access_log = true;
  int owncast_reconcile_s = 60;
  // Open Payments (issue 3)
  std::string wallet_address;
  std::string client_wallet_address;
  std::string key_id;
  std::string key_file;
  std::string op_dev_hosts;
  int op_timeout_s = 15;
  // Tips (issue 4) and tip settings the streamer can also change in the admin page (issue 5):
  // a flag/env/file value pins the setting; otherwise the value stored in LMDB applies.
  int tip_rate_ip = 10;              // tips created per minute per client IP (0 = no limit)
  int tip_rate_wallet = 10;          // ... per sender wallet
  int support_interval_s = 60;       // streaming support: seconds between payments (>= 5)
  int support_workers = 4;           // streaming support: sessions paid at once in a round
  int tip_receipt_timeout_s = 60;    // give up verifying the receipt after this long -> failed
  std::string support_presets;         // "" = 0.60,1.20,3.00 (support::kDefaultPresets)
  bool support_announce = true;        // chat announcement when a viewer starts supporting
  std::string support_announce_template;  // "" = notify::kDefaultSupportTemplate
  std::string tip_min;               // decimal string in the streamer's asset, "" = smallest unit
  std::string tip_max;               // "" = 100 major units
  std::string announce_template;     // "" = notify::kDefaultTemplate
  std::string announce_min;          // decimal string; smaller tips are not announced ("" = all)
  bool anonymous_tips = true;        // viewers may tip anonymously
  std::string currency_display = "code";  // "code" (5.00 EUR) | "symbol" (€5.00)
  int admin_session_idle_s = 1800;   // admin session idle timeout
  std::string trusted_proxies = "127.0.0.1,::1";  // reverse proxies whose X-Forwarded-For counts

  // Which settings came from a flag, env var or file (not defaults): name -> source.
  std::map<std::string, std::string> pinned;
};

struct OptionInfo {
  std::string flag;  // without "--"
  std::string env;   // empty when the option has no env var
  std::string def;
  std::string help;
  bool secret = false;
};
const std::vector<OptionInfo>& config_options();
// --support-presets text: 1-3 decimals, comma-separated ("" = defaults). Error "invalid_config".
Status check_support_presets(const std::string& text);

// Parses argv (after the subcommand) with env and an optional --config file.
// Returns the remaining positional arguments in `positional` if non-null.
Result<Config> load_config(const std::vector<std::string>& args, std::vector<std::string>* positional = nullptr);

std::string config_help();

// True for "", "2", "2.50": digits with at most one inner dot, at most 30 characters (amount
// settings are decimal strings in the streamer's currency; the scale is applied later).
bool is_decimal_text(std::string_view s);

// "http://<host>:<port>" for a listen address (0.0.0.0 / :: become 127.0.0.1).
std::string default_public_url(const std::string& listen_host, int port);

}  // namespace wm
