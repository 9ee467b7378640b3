// owncast-wm: parse the command line, load configuration, wire the app, wait for a signal.
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "app/commands.h"
#include "app/connect_command.h"
#include "app/verify_webhook_command.h"
#include "core/config.h"
#include "core/log.h"

namespace {

constexpr const char* kVersion = "0.1.0";

void usage(FILE* out) {
  std::fprintf(out,
               "owncast-wm %s - Open Payments tips for Owncast\n\n"
               "Usage:\n"
               "  owncast-wm [serve] [flags]   run the sidecar (default)\n"
               "  owncast-wm version           print the version\n"
               "  owncast-wm keygen --out FILE [--key-id ID] [--force]\n"
               "                               new Ed25519 key (mode 0600); prints the public JWK\n"
               "  owncast-wm sign-request --key-file F --key-id ID --method M --url U\n"
               "      [--header 'Name: value']... [--body S | --body-file F] [--created UNIX]\n"
               "                               prints Open Payments signature headers\n"
               "  owncast-wm wallet URL [--op-dev-hosts H]\n"
               "                               prints a wallet address document and its keys\n"
               "  owncast-wm connect --owncast-url URL [--password-stdin] [serve flags]\n"
               "                               registers the webhook, External Action and access token\n"
               "                               in Owncast (asks for Owncast's admin password once)\n"
               "  owncast-wm verify-webhook --secret S --id ID --timestamp T --signature SIG --body FILE\n"
               "                               checks an outgoing webhook's signature (exit 0 valid, 1 invalid)\n"
               "  owncast-wm --help            this help\n\n"
               "Flags (flag > environment > --config file > default):\n%s",
               kVersion, wm::config_help().c_str());
}

int fail(const std::string& message) {
  std::fprintf(stderr, "owncast-wm: %s\n", message.c_str());
  return 2;
}

int serve(const std::vector<std::string>& args) {
  auto config = wm::load_config(args);
  if (!config) return fail(config.error().message);
  wm::log::set_format(config->log_format == "json" ? wm::log::Format::json : wm::log::Format::text);
  if (!config->op_dev_hosts.empty())
    wm::log::warn("DEVELOPMENT ONLY: --op-dev-hosts lets Open Payments requests reach these hosts over plain "
                  "http, loopback and private addresses included; never use it in production",
                  {{"hosts", config->op_dev_hosts}});

  // Signals are taken by sigwait below; every thread created from here on inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Each client connection is a descriptor: use all the process may have (the listener keeps
  // 128 in reserve and refuses connections beyond that).
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  auto app = wm::app::App::create(*config);
  if (!app) return fail(app.error().message);
  auto port = (*app)->bind();
  if (!port) return fail(port.error().message);

  std::printf("owncast-wm listening on %s\n", wm::default_public_url(config->listen_host, *port).c_str());
  if (auto hook = (*app)->webhook_listen_url(); !hook.empty()) {
    std::printf("owncast-wm webhook listener on %s (Owncast's webhook and /healthz only)\n", hook.c_str());
    wm::log::info("webhook listener", {{"address", hook}});
  }
  wm::log::info("owncast-wm listening", {{"version", kVersion},
                                         {"address", config->listen_host + ":" + std::to_string(*port)},
                                         {"data_dir", config->data_dir},
                                         {"public_url", (*app)->public_url()}});
  // The webhook URL holds the secret token: it goes to stdout once, never into the log.
  auto urls = (*app)->webhook_urls();
  if (!urls.empty()) std::printf("Owncast webhook URL (Admin > Integrations > Webhooks): %s\n", urls[0].c_str());
  // First start without an admin password: a one-time link (30 minutes) to choose one.
  if (auto setup = (*app)->setup_url(); !setup.empty())
    std::printf("Admin setup link (one-time, valid 30 minutes): %s\n", setup.c_str());
  else
    std::printf("Admin page: %s/plugins/wm/admin\n", (*app)->public_url().c_str());
  std::fflush(stdout);

  std::thread server([&] { (*app)->run(); });
  int sig = 0;
  sigwait(&sigs, &sig);
  wm::log::info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*app)->shutdown();
  server.join();
  app->reset();
  wm::log::info("stopped cleanly");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string cmd = "serve";
  if (!args.empty() && args[0].rfind("-", 0) != 0) {
    cmd = args[0];
    args.erase(args.begin());
  }
  if (cmd == "keygen") return wm::app::cmd_keygen(args);
  if (cmd == "sign-request") return wm::app::cmd_sign_request(args);
  if (cmd == "wallet") return wm::app::cmd_wallet(args);
  if (cmd == "connect") return wm::app::cmd_connect(args);
  if (cmd == "verify-webhook") return wm::app::cmd_verify_webhook(args);
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    }
  if (cmd == "help") {
    usage(stdout);
    return 0;
  }
  if (cmd == "version") {
    std::printf("owncast-wm %s\n", kVersion);
    return 0;
  }
  if (cmd == "serve") return serve(args);
  return fail("unknown command '" + cmd + "' (see owncast-wm --help)");
}
