// `owncast-wm connect` end to end: a temp data dir, the password on stdin, FakeOwncast.
#include "app/connect_command.h"

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "store/store.h"
#include "support/app_harness.h"
#include "support/fake_owncast.h"
#include "support/test_support.h"

using json = nlohmann::json;
using wm::test::FakeOwncast;

namespace {

const std::string kPublic = "http://127.0.0.1:8085";

struct Run {
  int code = -1;
  std::string out, err;
};

Run connect_cmd(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  Run r;
  r.code = wm::app::cmd_connect(args, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::vector<std::string> args_for(const FakeOwncast& fake, const std::string& data_dir) {
  return {"--owncast-url", fake.url(), "--data-dir", data_dir, "--public-url", kPublic,
          "--password-stdin"};
}

// Settings and secrets as the command left them in the store.
std::map<std::string, std::string> stored(const std::string& data_dir) {
  wm::store::Options o;
  o.dir = data_dir;
  auto st = wm::store::Store::open(o);
  REQUIRE(st.ok());
  std::map<std::string, std::string> out;
  auto txn = (*st)->begin_read();
  for (const char* k : {"config/owncast-url", "config/owncast-token"})
    if (auto v = txn.get((*st)->table("settings"), k)) out[k] = std::string(*v);
  if (auto v = txn.get((*st)->table("secrets"), "webhook_token")) out["webhook_token"] = std::string(*v);
  return out;
}

}  // namespace

TEST_CASE("app: connect command sets Owncast up and saves the token without printing it") {
  FakeOwncast fake;
  wm::test::TempDir dir;
  const std::string data = dir.path() + "/data";
  auto args = args_for(fake, data);

  auto r = connect_cmd(args, fake.admin_password() + "\n");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  REQUIRE(fake.tokens().size() == 1);
  const std::string token = fake.tokens()[0].token;
  auto saved = stored(data);
  CHECK(saved["config/owncast-url"] == fake.url());
  CHECK(saved["config/owncast-token"] == token);
  REQUIRE(saved.count("webhook_token"));

  // The webhook points at this data dir's token; the output has neither secret.
  REQUIRE(fake.webhooks().size() == 1);
  CHECK(fake.webhooks()[0].url == kPublic + "/webhooks/owncast/" + saved["webhook_token"]);
  CHECK(fake.external_actions().size() == 1);
  for (const auto* text : {&r.out, &r.err}) {
    CHECK(text->find(token) == std::string::npos);
    CHECK(text->find(fake.admin_password()) == std::string::npos);
    CHECK(text->find(saved["webhook_token"]) == std::string::npos);
  }
  CHECK(r.out.find("0.2.5") != std::string::npos);
  CHECK(r.out.find("created") != std::string::npos);

  SECTION("a second run reuses everything") {
    auto again = connect_cmd(args, fake.admin_password() + "\r\n");
    INFO(again.out << again.err);
    REQUIRE(again.code == 0);
    CHECK(again.out.find("reused") != std::string::npos);
    CHECK(again.out.find("already") != std::string::npos);
    CHECK(again.out.find(token) == std::string::npos);
    CHECK(fake.tokens().size() == 1);
    CHECK(fake.webhooks().size() == 1);
    CHECK(fake.external_actions().size() == 1);
    CHECK(stored(data)["config/owncast-token"] == token);
  }
  SECTION("the sidecar started on that data dir serves the webhook Owncast now calls") {
    wm::test::RunningApp app(data, {"--public-url", kPublic});
    REQUIRE_FALSE(app.app().webhook_urls().empty());
    CHECK(app.app().webhook_urls()[0] == fake.webhooks()[0].url);
    auto c = app.client();
    auto body = wm::test::read_file(wm::test::fixture_dir() + "/chat.json");
    auto res = c.Post(app.webhook_path().c_str(), body, "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
  }
}

TEST_CASE("app: connect command refuses a data dir held by a running sidecar") {
  FakeOwncast fake;
  wm::test::TempDir dir;
  const std::string data = dir.path() + "/data";
  wm::store::Options o;
  o.dir = data;
  auto held = wm::store::Store::open(o);
  REQUIRE(held.ok());
  auto args = args_for(fake, data);

  auto r = connect_cmd(args, fake.admin_password() + "\n");
  CHECK(r.code == 2);
  CHECK(r.err.find("admin page") != std::string::npos);
  CHECK(fake.calls().empty());
}

TEST_CASE("app: connect command exits 1 on a wrong password and 2 on usage errors, saving nothing") {
  FakeOwncast fake;
  wm::test::TempDir dir;
  const std::string data = dir.path() + "/data";
  auto args = args_for(fake, data);

  auto wrong = connect_cmd(args, "wrong-password-123\n");
  CHECK(wrong.code == 1);
  CHECK(wrong.err.find("admin password") != std::string::npos);
  CHECK(wrong.err.find("wrong-password-123") == std::string::npos);
  CHECK(stored(data).count("config/owncast-token") == 0);
  CHECK(fake.changes() == 0);

  CHECK(connect_cmd(args, "\n").code == 2);  // no password
  CHECK(connect_cmd({"--data-dir", data, "--password-stdin"}, "pw\n").code == 2);  // no --owncast-url
  CHECK(connect_cmd({"--owncast-url", fake.url(), "--data-dir", data, "--no-such-flag"}, "pw\n").code == 2);
  CHECK(fake.changes() == 0);

  auto help = connect_cmd({"--help"}, "");
  CHECK(help.code == 0);
  CHECK(help.out.find("--owncast-url") != std::string::npos);
}

TEST_CASE("app: connect command reuses a token given with --owncast-token when Owncast lists it") {
  FakeOwncast fake;
  std::string existing = fake.add_token("Streamer bot", {"HAS_ADMIN_ACCESS", "CAN_SEND_SYSTEM_MESSAGES", "CAN_SEND_MESSAGES"});
  wm::test::TempDir dir;
  const std::string data = dir.path() + "/data";
  auto args = args_for(fake, data);
  args.push_back("--owncast-token");
  args.push_back(existing);

  auto r = connect_cmd(args, fake.admin_password() + "\n");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(fake.tokens().size() == 1);
  CHECK(stored(data)["config/owncast-token"] == existing);
  CHECK(r.out.find("Streamer bot") != std::string::npos);
  CHECK(r.out.find(existing) == std::string::npos);
}
