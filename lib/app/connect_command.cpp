#include "app/connect_command.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>

#include "core/config.h"
#include "core/crypto.h"
#include "owncast/admin_api.h"
#include "owncast/service.h"
#include "store/store.h"

namespace wm::app {

namespace {

constexpr const char* kUrlKey = "config/owncast-url";
constexpr const char* kTokenKey = "config/owncast-token";

void usage(std::ostream& out) {
  out << "Usage: owncast-wm connect --owncast-url URL [--password-stdin] [--data-dir DIR] [--public-url URL]\n"
         "                          [other serve flags, e.g. --config FILE]\n"
         "Sets Owncast up for owncast-wm with Owncast's admin password: the webhook, the External Action\n"
         "and an access token (saved in the data dir). Stop a running owncast-wm first, or use the\n"
         "Connect button on its admin page.\n";
}

// One line: a no-echo prompt on a terminal, else as piped in. Trailing CR/LF removed.
std::string read_password(std::istream& in, std::ostream& err, bool no_prompt) {
  std::string line;
  bool tty = !no_prompt && &in == &std::cin && ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    err << "Owncast admin password: " << std::flush;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    std::getline(in, line);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    err << "\n";
  } else {
    std::getline(in, line);
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::string authority = url.substr(start, url.find('/', start) - start);
  if (!authority.empty() && authority[0] == '[') return authority.substr(0, authority.find(']') + 1);
  return authority.substr(0, authority.find(':'));
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// What connect did, for the operator.
void print_report(std::ostream& out, const Config& cfg, const owncast::ConnectPlan& plan,
                  const owncast::ConnectReport& report) {
  const auto& r = report;
  out << "Connected owncast-wm to Owncast " << r.version << " at " << cfg.owncast_url << "\n";
  out << "  webhook:         #" << r.webhook_id << (r.webhook_created ? " created" : " already set up") << " ("
      << plan.events.size() << " events)";
  if (r.webhooks_removed > 0)
    out << "; removed " << r.webhooks_removed << " older webhook" << (r.webhooks_removed > 1 ? "s" : "")
        << " of owncast-wm";
  out << "\n";
  out << "  access token:    \"" << r.token_name << "\" " << (r.token_created ? "created" : "reused") << " ("
      << joined(plan.scopes) << "), saved in " << cfg.data_dir << "\n";
  out << "  external action: \"" << plan.external_action.value("title", "") << "\" "
      << (r.action_created ? "added" : r.action_updated ? "updated" : "already up to date") << "\n";
  auto pinned = cfg.pinned.find("owncast-token");
  if (pinned != cfg.pinned.end() && !crypto::ct_equal(cfg.owncast_token, r.access_token))
    out << "Note: the Owncast token from " << pinned->second << " takes precedence over the saved one; remove it "
        << "to use the new token.\n";
  if (loopback(host_of(cfg.public_url)) && !loopback(host_of(cfg.owncast_url)))
    out << "Note: Owncast will call " << host_of(cfg.public_url)
        << " for webhooks; if Owncast runs on another machine, run connect again with --public-url.\n";
  out << "Start owncast-wm (or restart it) to use the connection.\n";
}

}  // namespace

int cmd_connect(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
  auto fail = [&](int code, const std::string& message) {
    err << "owncast-wm connect: " << message << "\n";
    return code;
  };
  bool password_stdin = false;
  std::vector<std::string> rest;
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      usage(out);
      return 0;
    }
    if (a == "--password-stdin") password_stdin = true;
    else rest.push_back(a);
  }
  auto config = load_config(rest);
  if (!config) return fail(2, config.error().message);
  if (config->owncast_url.empty()) return fail(2, "--owncast-url is required, e.g. --owncast-url http://127.0.0.1:8080");

  store::Options so;
  so.dir = config->data_dir;
  auto opened = store::Store::open(so);
  if (!opened) {
    if (opened.error().code == "store_locked")
      return fail(2, opened.error().message +
                         ": owncast-wm is running on this data dir; use the Connect button on its admin page "
                         "(/plugins/wm/admin) or stop it and run connect again");
    return fail(2, opened.error().message);
  }
  store::Store& st = **opened;
  auto tokens = owncast::webhook_tokens(st, config->webhook_token);
  if (!tokens) return fail(2, tokens.error().message);
  // With --webhook-listen, Owncast calls that listener.
  const std::string hook_base = config->webhook_listen_port > 0
                                    ? default_public_url(config->webhook_listen_host, config->webhook_listen_port)
                                    : config->public_url;
  auto plan = owncast::plan_from_plugin_yml(hook_base, tokens->front());
  if (!plan) return fail(2, plan.error().message);

  store::Table settings = st.table("settings");
  {
    auto txn = st.begin_read();
    if (auto saved = txn.get(settings, kTokenKey)) plan->existing_token = std::string(*saved);
  }
  if (plan->existing_token.empty()) plan->existing_token = config->owncast_token;

  std::string password = read_password(in, err, password_stdin);
  if (password.empty()) return fail(2, "no Owncast admin password given (type it, or pipe it with --password-stdin)");
  auto report = owncast::connect(config->owncast_url, password, *plan);
  std::fill(password.begin(), password.end(), '\0');
  if (!report) return fail(report.error().code == "invalid_url" ? 2 : 1, report.error().message);

  auto saved = st.update([&](store::WriteTxn& txn) -> Status {
    if (auto s = txn.put(settings, kUrlKey, config->owncast_url); !s) return s;
    return txn.put(settings, kTokenKey, report->access_token);
  });
  if (!saved)
    return fail(1, "Owncast is set up, but the access token could not be saved in " + config->data_dir + ": " +
                       saved.error().message);

  print_report(out, *config, *plan, *report);
  return 0;
}

}  // namespace wm::app
