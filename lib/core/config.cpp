#include "core/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/decimal.h"
#include "core/text.h"

namespace wm {

const std::vector<OptionInfo>& config_options() {
  static const std::vector<OptionInfo> opts = {
      {"listen", "OWNCAST_WM_LISTEN", "127.0.0.1:8085", "address:port to listen on ([::1]:port for IPv6)"},
      {"webhook-listen", "OWNCAST_WM_WEBHOOK_LISTEN", "",
       "address:port of a separate listener for Owncast's webhooks only (default: served on --listen)"},
      {"data-dir", "OWNCAST_WM_DATA_DIR", "./data", "folder for the LMDB store and generated secrets"},
      {"public-url", "OWNCAST_WM_PUBLIC_URL", "", "URL browsers use to reach the sidecar (default http://<listen>)"},
      {"owncast-url", "OWNCAST_BASE_URL", "", "Owncast base URL, e.g. http://127.0.0.1:8080"},
      {"owncast-token", "OWNCAST_ACCESS_TOKEN", "", "Owncast integration access token", true},
      {"webhook-token", "OWNCAST_WM_WEBHOOK_TOKEN", "",
       "webhook path token(s), comma-separated (two while rotating); generated if unset", true},
      {"webhook-secret", "OWNCAST_WM_WEBHOOK_SECRET", "", "Owncast 0.3.0 webhook signing secret", true},
      {"webhook-signatures", "OWNCAST_WM_WEBHOOK_SIGNATURES", "if-present", "off | if-present | required"},
      {"admin-password", "OWNCAST_WM_ADMIN_PASSWORD", "", "admin password for /plugins/wm/api/*", true},
      {"config", "OWNCAST_WM_CONFIG", "", "config file of key=value lines (keys are flag names)"},
      {"log-format", "OWNCAST_WM_LOG_FORMAT", "text", "text | json"},
      {"webhook-queue", "OWNCAST_WM_WEBHOOK_QUEUE", "16384", "webhook events that may wait for the store before 503"},
      {"webhook-ack", "OWNCAST_WM_WEBHOOK_ACK", "queued",
       "queued (answer once validated and queued; committed within milliseconds) | durable (answer after the commit)"},
      {"http-threads", "OWNCAST_WM_HTTP_THREADS", "64", "HTTP connections served at once"},
      {"sse-max-clients", "OWNCAST_WM_SSE_MAX_CLIENTS", "32",
       "live (SSE) connections per kind: overlays and admin dashboards each; 503 beyond"},
      {"access-log", "OWNCAST_WM_ACCESS_LOG", "on", "on | off: one log line per HTTP request"},
      {"owncast-reconcile", "OWNCAST_WM_OWNCAST_RECONCILE", "60",
       "seconds between presence reconciles from Owncast's API (0 = never)"},
      {"wallet-address", "OWNCAST_WM_WALLET_ADDRESS", "", "Open Payments wallet address receiving tips"},
      {"client-wallet-address", "OWNCAST_WM_CLIENT_WALLET_ADDRESS", "",
       "wallet address identifying this client (default: --wallet-address)"},
      {"key-id", "OWNCAST_WM_KEY_ID", "", "key id registered on the client wallet address"},
      {"key-file", "OWNCAST_WM_KEY_FILE", "", "Ed25519 private key (PKCS#8 PEM or base64 of it)"},
      {"op-dev-hosts", "OWNCAST_WM_OP_DEV_HOSTS", "",
       "DEVELOPMENT ONLY: host:port list allowed on loopback over plain http"},
      {"op-timeout", "OWNCAST_WM_OP_TIMEOUT", "15", "Open Payments request timeout in seconds"},
      {"tip-rate-ip", "OWNCAST_WM_TIP_RATE_IP", "10", "tips created per minute per client IP (0 = no limit)"},
      {"tip-rate-wallet", "OWNCAST_WM_TIP_RATE_WALLET", "10", "tips created per minute per sender wallet (0 = no limit)"},
      {"tip-receipt-timeout", "OWNCAST_WM_TIP_RECEIPT_TIMEOUT", "60",
       "seconds to wait for the streamer's wallet to show a tip before it fails"},
      {"support-interval", "OWNCAST_WM_SUPPORT_INTERVAL", "60",
       "seconds between streaming-support payments (pay while you watch), at least 5"},
      {"support-workers", "OWNCAST_WM_SUPPORT_WORKERS", "4",
       "streaming-support sessions paid at once in a round (1-32)"},
      {"support-presets", "OWNCAST_WM_SUPPORT_PRESETS", "",
       "streaming-support rates per hour offered in the widget: 1-3 decimals, comma-separated (default 0.60,1.20,3.00)"},
      {"support-announce", "OWNCAST_WM_SUPPORT_ANNOUNCE", "on",
       "on | off: announce in chat when a viewer starts supporting (after their wallet approved)"},
      {"support-announce-template", "OWNCAST_WM_SUPPORT_ANNOUNCE_TEMPLATE", "",
       "chat announcement when a viewer starts supporting, with {name} {rate} {title}"},
      {"tip-min", "OWNCAST_WM_TIP_MIN", "", "smallest tip, decimal in the streamer's currency (default: one unit)"},
      {"tip-max", "OWNCAST_WM_TIP_MAX", "", "largest tip, decimal in the streamer's currency (default: 100)"},
      {"announce-template", "OWNCAST_WM_ANNOUNCE_TEMPLATE", "",
       "chat announcement template with {name} {amount} {message} {title}"},
      {"announce-min", "OWNCAST_WM_ANNOUNCE_MIN", "", "tips below this decimal amount are not announced"},
      {"anonymous-tips", "OWNCAST_WM_ANONYMOUS_TIPS", "on", "on | off: viewers may tip anonymously"},
      {"currency-display", "OWNCAST_WM_CURRENCY_DISPLAY", "code",
       "code | symbol: amounts shown as 5.00 EUR or as €5.00 (known currencies)"},
      {"admin-session-idle", "OWNCAST_WM_ADMIN_SESSION_IDLE", "1800", "admin session idle timeout in seconds"},
      {"trusted-proxies", "OWNCAST_WM_TRUSTED_PROXIES", "127.0.0.1,::1",
       "reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client"},
  };
  return opts;
}

std::string config_help() {
  std::ostringstream out;
  for (const auto& o : config_options()) {
    out << "  --" << o.flag;
    for (size_t i = o.flag.size(); i < 22; ++i) out << ' ';
    out << o.help;
    if (!o.env.empty()) out << " [env " << o.env << "]";
    if (!o.def.empty()) out << " (default " << o.def << ")";
    out << "\n";
  }
  return out.str();
}

static const OptionInfo* find_option(const std::string& flag) {
  for (const auto& o : config_options())
    if (o.flag == flag) return &o;
  return nullptr;
}

static std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

static Result<std::map<std::string, std::string>> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{"invalid_config", "cannot read config file " + path};
  std::map<std::string, std::string> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos)
      return Error{"invalid_config", path + ":" + std::to_string(n) + ": expected key=value"};
    std::string key = trim(line.substr(0, eq));
    std::string val = trim(line.substr(eq + 1));
    if (val.size() >= 2 && ((val.front() == '"' && val.back() == '"') || (val.front() == '\'' && val.back() == '\'')))
      val = val.substr(1, val.size() - 2);
    if (!find_option(key) || key == "config")
      return Error{"invalid_config", path + ":" + std::to_string(n) + ": unknown key '" + key + "'"};
    out[key] = val;
  }
  return out;
}

static bool parse_int(const std::string& s, long lo, long hi, long& out) {
  if (s.empty() || s.size() > 9) return false;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return false;
  out = v;
  return true;
}

// "0.60,1.20,3.00": 1-3 decimals (the decimal input rule), comma-separated; "" = the defaults.
// Their asset's scale and the maximum are checked once the wallet is known (support::parse_presets).
Status check_support_presets(const std::string& text) {
  if (text.empty()) return ok_status();
  size_t start = 0, n = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = trim(text.substr(start, comma - start));
    if (++n > 3) return Error{"invalid_config", "--support-presets: at most 3 rates, separated by commas"};
    if (item.empty() || !is_decimal_text(item))
      return Error{"invalid_config", "--support-presets: '" + item.substr(0, 20) + "' is not a decimal amount like 0.60"};
    start = comma + 1;
  }
  return ok_status();
}

static Status parse_listen(const std::string& s, std::string& out_host, int& out_port,
                           const std::string& flag = "--listen") {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return Error{"invalid_config", flag + " must be host:port, got '" + s + "'"};
  std::string host = s.substr(0, colon);
  long port;
  if (!parse_int(s.substr(colon + 1), 0, 65535, port))
    return Error{"invalid_config", flag + " port must be 0-65535 (0 = any free port), got '" + s + "'"};
  if (host.front() == '[') {
    if (host.back() != ']') return Error{"invalid_config", flag + " IPv6 host must be [addr], got '" + s + "'"};
    host = host.substr(1, host.size() - 2);
  }
  for (char ch : host) {
    if (!(isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == ':'))
      return Error{"invalid_config", flag + " host is not valid: '" + s + "'"};
  }
  out_host = host;
  out_port = static_cast<int>(port);
  return ok_status();
}

bool is_decimal_text(std::string_view v) { return v.empty() || decimal::check(v).ok(); }

std::string default_public_url(const std::string& listen_host, int port) {
  std::string host = listen_host.find(':') != std::string::npos ? "[" + listen_host + "]" : listen_host;
  if (host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  return "http://" + host + ":" + std::to_string(port);
}

namespace {

using Values = std::map<std::string, std::string>;

// "--name value" / "--name=value" pairs; anything else is positional (or an error without a list).
Result<Values> parse_flags(const std::vector<std::string>& args, std::vector<std::string>* positional) {
  Values flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      if (positional) {
        positional->push_back(a);
        continue;
      }
      return Error{"invalid_config", "unexpected argument '" + a + "'"};
    }
    std::string name = a.substr(2), value;
    auto eq = name.find('=');
    bool has_value = eq != std::string::npos;
    if (has_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (!find_option(name)) return Error{"invalid_config", "unknown flag --" + name + " (see --help)"};
    if (!has_value) {
      if (i + 1 >= args.size()) return Error{"invalid_config", "flag --" + name + " needs a value"};
      value = args[++i];
    }
    flags[name] = value;
  }
  return flags;
}

// Defaults, then the config file, then the environment, then flags; `source` names where each
// value that is not a default came from.
Status gather_values(const Values& flags, Values& values, Values& source) {
  for (const auto& o : config_options()) values[o.flag] = o.def;
  std::string cfg_path;
  if (auto it = flags.find("config"); it != flags.end()) cfg_path = it->second;
  else if (const char* e = std::getenv("OWNCAST_WM_CONFIG")) cfg_path = e;
  if (!cfg_path.empty()) {
    auto file = read_file(cfg_path);
    if (!file) return file.error();
    for (auto& [k, v] : *file) {
      values[k] = v;
      source[k] = "config file";
    }
  }
  for (const auto& o : config_options()) {
    if (o.env.empty()) continue;
    if (const char* e = std::getenv(o.env.c_str()); e && *e) {
      values[o.flag] = e;
      source[o.flag] = "env " + o.env;
    }
  }
  for (const auto& [k, v] : flags) {
    values[k] = v;
    source[k] = "flag --" + k;
  }
  return Ok{};
}

// values[flag] as an integer in [lo, hi], else "--flag must be <what>".
Status int_value(Values& values, const char* flag, long lo, long hi, const std::string& what, long& out) {
  if (!parse_int(values[flag], lo, hi, out)) return Error{"invalid_config", std::string("--") + flag + " must be " + what};
  return Ok{};
}

// values[flag] as "on"/"off".
Status on_off(Values& values, const char* flag, bool& out) {
  const std::string& v = values[flag];
  if (v != "on" && v != "off") return Error{"invalid_config", std::string("--") + flag + " must be on or off, got '" + v + "'"};
  out = v == "on";
  return Ok{};
}

Status http_url(std::string& url, const char* flag) {
  url = text::without_trailing_slashes(std::move(url));
  if (!url.empty() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return Error{"invalid_config", std::string("--") + flag + " must start with http:// or https://"};
  return Ok{};
}

// Listeners, URLs and the data dir.
Status apply_places(Values& values, Config& c) {
  if (auto s = parse_listen(values["listen"], c.listen_host, c.listen_port); !s) return s;
  if (!values["webhook-listen"].empty()) {
    auto s = parse_listen(values["webhook-listen"], c.webhook_listen_host, c.webhook_listen_port, "--webhook-listen");
    if (!s) return s;
    // The same address as --listen means no separate listener (port 0 always means a new one).
    if (c.webhook_listen_host == c.listen_host && c.webhook_listen_port == c.listen_port && c.listen_port != 0)
      c.webhook_listen_port = -1;
  }
  c.data_dir = values["data-dir"];
  if (c.data_dir.empty()) return Error{"invalid_config", "--data-dir must not be empty"};
  c.public_url = values["public-url"];
  if (auto s = http_url(c.public_url, "public-url"); !s) return s;
  if (c.public_url.empty()) c.public_url = default_public_url(c.listen_host, c.listen_port);
  c.owncast_url = values["owncast-url"];
  return http_url(c.owncast_url, "owncast-url");
}

// Owncast's webhook, the HTTP server and logging.
Status apply_server(Values& values, Config& c) {
  c.owncast_token = values["owncast-token"];
  c.webhook_token = values["webhook-token"];
  c.webhook_secret = values["webhook-secret"];
  const std::string& sig = values["webhook-signatures"];
  if (sig == "off") c.webhook_signatures = SignatureMode::off;
  else if (sig == "if-present") c.webhook_signatures = SignatureMode::if_present;
  else if (sig == "required") c.webhook_signatures = SignatureMode::required;
  else return Error{"invalid_config", "--webhook-signatures must be off, if-present or required, got '" + sig + "'"};
  if (c.webhook_signatures == SignatureMode::required && c.webhook_secret.empty())
    return Error{"invalid_config", "--webhook-signatures required needs --webhook-secret"};
  c.admin_password = values["admin-password"];
  c.log_format = values["log-format"];
  if (c.log_format != "text" && c.log_format != "json")
    return Error{"invalid_config", "--log-format must be text or json, got '" + c.log_format + "'"};
  long n;
  if (auto s = int_value(values, "webhook-queue", 16, 10000000, "a number from 16 to 10000000", n); !s) return s;
  c.webhook_queue = static_cast<size_t>(n);
  c.webhook_ack = values["webhook-ack"];
  if (c.webhook_ack != "durable" && c.webhook_ack != "queued")
    return Error{"invalid_config", "--webhook-ack must be durable or queued, got '" + c.webhook_ack + "'"};
  if (auto s = int_value(values, "http-threads", 4, 1024, "a number from 4 to 1024", n); !s) return s;
  c.http_threads = static_cast<size_t>(n);
  if (auto s = int_value(values, "sse-max-clients", 1, 1024, "a number from 1 to 1024", n); !s) return s;
  c.sse_max_clients = static_cast<size_t>(n);
  if (auto s = on_off(values, "access-log", c.access_log); !s) return s;
  if (auto s = int_value(values, "owncast-reconcile", 0, 86400, "0-86400 seconds", n); !s) return s;
  c.owncast_reconcile_s = static_cast<int>(n);
  if (auto s = int_value(values, "admin-session-idle", 60, 604800, "60-604800 seconds", n); !s) return s;
  c.admin_session_idle_s = static_cast<int>(n);
  c.trusted_proxies = values["trusted-proxies"];  // parsed (and refused) by the HTTP server set-up
  return Ok{};
}

// The wallet, Open Payments, tips, announcements and streaming support.
// Streaming support's settings (presets, the "started supporting" announcement).
Status apply_support(Values& values, Config& c) {
  if (auto p = check_support_presets(values["support-presets"]); !p) return p;
  c.support_presets = values["support-presets"];
  if (auto s = on_off(values, "support-announce", c.support_announce); !s) return s;
  c.support_announce_template = values["support-announce-template"];
  if (c.support_announce_template.size() > 500)
    return Error{"invalid_config", "--support-announce-template is longer than 500 bytes"};
  return Ok{};
}

Status apply_payments(Values& values, Config& c) {
  c.wallet_address = values["wallet-address"];
  c.client_wallet_address = values["client-wallet-address"];
  if (c.client_wallet_address.empty()) c.client_wallet_address = c.wallet_address;
  c.key_id = values["key-id"];
  c.key_file = values["key-file"];
  c.op_dev_hosts = values["op-dev-hosts"];
  long n;
  if (auto s = int_value(values, "op-timeout", 1, 300, "1-300 seconds", n); !s) return s;
  c.op_timeout_s = static_cast<int>(n);
  if (auto s = int_value(values, "tip-rate-ip", 0, 100000, "0-100000", n); !s) return s;
  c.tip_rate_ip = static_cast<int>(n);
  if (auto s = int_value(values, "tip-rate-wallet", 0, 100000, "0-100000", n); !s) return s;
  c.tip_rate_wallet = static_cast<int>(n);
  if (auto s = int_value(values, "tip-receipt-timeout", 1, 86400, "1-86400 seconds", n); !s) return s;
  c.tip_receipt_timeout_s = static_cast<int>(n);
  if (auto s = int_value(values, "support-interval", 5, 3600, "5-3600 seconds", n); !s) return s;
  c.support_interval_s = static_cast<int>(n);
  if (auto s = int_value(values, "support-workers", 1, 32, "1-32", n); !s) return s;
  c.support_workers = static_cast<int>(n);
  for (const char* k : {"tip-min", "tip-max", "announce-min"}) {
    const std::string& v = values[k];
    if (!is_decimal_text(v))
      return Error{"invalid_config", std::string("--") + k + " must be a decimal amount like 2.50 (" +
                                         decimal::check(v).error().message + "), got '" + v + "'"};
  }
  if (auto s = apply_support(values, c); !s) return s;
  c.tip_min = values["tip-min"];
  c.tip_max = values["tip-max"];
  c.announce_template = values["announce-template"];
  if (c.announce_template.size() > 500) return Error{"invalid_config", "--announce-template is longer than 500 bytes"};
  c.announce_min = values["announce-min"];
  if (auto s = on_off(values, "anonymous-tips", c.anonymous_tips); !s) return s;
  c.currency_display = values["currency-display"];
  if (c.currency_display != "code" && c.currency_display != "symbol")
    return Error{"invalid_config", "--currency-display must be code or symbol, got '" + c.currency_display + "'"};
  return Ok{};
}

}  // namespace

Result<Config> load_config(const std::vector<std::string>& args, std::vector<std::string>* positional) {
  auto flags = parse_flags(args, positional);
  if (!flags) return flags.error();
  Values values, source;
  if (auto s = gather_values(*flags, values, source); !s) return s.error();
  Config c;
  for (auto apply : {apply_places, apply_server, apply_payments})
    if (auto s = apply(values, c); !s) return s.error();
  c.pinned = source;
  return c;
}

}  // namespace wm
