#include <catch2/catch.hpp>

#include <cstdlib>

#include "core/config.h"
#include "support/test_support.h"

using wm::load_config;

namespace {
// Sets an environment variable for the scope of one test.
struct EnvVar {
  std::string name;
  EnvVar(const char* n, const char* v) : name(n) { setenv(n, v, 1); }
  ~EnvVar() { unsetenv(name.c_str()); }
};
}  // namespace

TEST_CASE("config: defaults") {
  auto c = load_config({});
  REQUIRE(c);
  CHECK(c->listen_host == "127.0.0.1");
  CHECK(c->listen_port == 8085);
  CHECK(c->data_dir == "./data");
  CHECK(c->public_url == "http://127.0.0.1:8085");
  CHECK(c->webhook_signatures == wm::SignatureMode::if_present);
  CHECK(c->pinned.empty());
  CHECK(c->support_workers == 4);
  auto one = load_config({"--support-workers", "1"});
  REQUIRE(one);
  CHECK(one->support_workers == 1);
}

TEST_CASE("config: flag beats env beats file beats default") {
  wm::test::TempDir dir;
  wm::test::write_file(dir.file("wm.conf"), "# comment\nlisten = 127.0.0.1:9001\ndata-dir=\"/tmp/from-file\"\nlog-format=json\n");
  EnvVar env("OWNCAST_WM_DATA_DIR", "/tmp/from-env");
  auto c = load_config({"--config", dir.file("wm.conf"), "--log-format=text"});
  REQUIRE(c);
  CHECK(c->listen_port == 9001);            // file
  CHECK(c->data_dir == "/tmp/from-env");    // env over file
  CHECK(c->log_format == "text");           // flag over file
  CHECK(c->pinned.at("listen") == "config file");
  CHECK(c->pinned.at("data-dir") == "env OWNCAST_WM_DATA_DIR");
  CHECK(c->pinned.at("log-format") == "flag --log-format");
}

TEST_CASE("config: every documented env var is read") {
  EnvVar a("OWNCAST_WM_LISTEN", "127.0.0.1:7000");
  EnvVar b("OWNCAST_BASE_URL", "http://127.0.0.1:8080/");
  EnvVar t("OWNCAST_ACCESS_TOKEN", "tok");
  EnvVar w("OWNCAST_WM_WEBHOOK_SECRET", "sec");
  EnvVar p("OWNCAST_WM_ADMIN_PASSWORD", "pw");
  EnvVar u("OWNCAST_WM_PUBLIC_URL", "https://tips.example.net/");
  auto c = load_config({});
  REQUIRE(c);
  CHECK(c->listen_port == 7000);
  CHECK(c->owncast_url == "http://127.0.0.1:8080");
  CHECK(c->owncast_token == "tok");
  CHECK(c->webhook_secret == "sec");
  CHECK(c->admin_password == "pw");
  CHECK(c->public_url == "https://tips.example.net");
}

TEST_CASE("config: invalid values give one clear error") {
  struct Case {
    std::vector<std::string> args;
    const char* mentions;
  };
  std::vector<Case> cases = {
      {{"--listen", "nonsense"}, "--listen"},
      {{"--listen", "127.0.0.1:99999"}, "--listen"},
      {{"--listen", "127.0.0.1:"}, "--listen"},
      {{"--bogus", "1"}, "--bogus"},
      {{"--listen"}, "needs a value"},
      {{"--webhook-signatures", "sometimes"}, "--webhook-signatures"},
      {{"--webhook-signatures", "required"}, "--webhook-secret"},
      {{"--log-format", "xml"}, "--log-format"},
      {{"--public-url", "ftp://x"}, "--public-url"},
      {{"--config", "/nonexistent/file"}, "/nonexistent/file"},
      {{"--webhook-ack", "maybe"}, "--webhook-ack"},
      {{"--http-threads", "0"}, "--http-threads"},
      {{"--currency-display", "emoji"}, "--currency-display"},
      {{"--support-workers", "0"}, "--support-workers"},
      {{"--support-workers", "33"}, "--support-workers"},
  };
  for (const auto& c : cases) {
    INFO(c.args[0]);
    auto r = load_config(c.args);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "invalid_config");
    CHECK(r.error().message.find(c.mentions) != std::string::npos);
    CHECK(r.error().message.find('\n') == std::string::npos);
  }
}

TEST_CASE("config: unknown keys in the config file are errors with a line number") {
  wm::test::TempDir dir;
  wm::test::write_file(dir.file("wm.conf"), "listen=127.0.0.1:1\nlisen=oops\n");
  auto r = load_config({"--config", dir.file("wm.conf")});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find(":2:") != std::string::npos);
}

TEST_CASE("config: help names every flag with its env var and no secret values") {
  EnvVar p("OWNCAST_WM_ADMIN_PASSWORD", "s3cr3t-value");
  std::string help = wm::config_help();
  for (const auto& o : wm::config_options()) {
    INFO(o.flag);
    CHECK(help.find("--" + o.flag) != std::string::npos);
    if (!o.env.empty()) CHECK(help.find(o.env) != std::string::npos);
  }
  CHECK(help.find("s3cr3t-value") == std::string::npos);
}

TEST_CASE("config: decimal flags follow the one input rule (no leading zeros)") {
  for (const char* good : {"0.10", "0", "12", "12.5", "1.230"}) {
    auto c = load_config({"--tip-min", good});
    INFO(good);
    CHECK(c);
  }
  for (const char* flag : {"--tip-min", "--tip-max", "--announce-min"}) {
    for (const char* bad : {"00.10", "0150", "00", ".5", "5.", "1e3", "-1"}) {
      auto c = load_config({flag, bad});
      INFO(flag << " " << bad);
      REQUIRE_FALSE(c);
      CHECK(c.error().code == "invalid_config");
      CHECK(c.error().message.find(flag) == 0);
    }
  }
  auto lead = load_config({"--tip-min", "00.10"});
  REQUIRE_FALSE(lead);
  CHECK(lead.error().message.find("leading zeros") != std::string::npos);
}
