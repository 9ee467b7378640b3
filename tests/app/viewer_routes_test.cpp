// The viewer-session routes on a real http::Server on loopback (only these routes), with an
// injected clock for expiry.
#include "app/viewer_routes.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "core/metrics.h"
#include "http/client_ip.h"
#include "core/timeutil.h"
#include "tips/tip_service.h"

using json = nlohmann::json;
using namespace wm;

namespace {

constexpr int64_t kSec = 1'000'000'000;

struct ViewerServer {
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(timeutil::now_ns());
  std::unique_ptr<tips::ViewerSessions> sessions;
  Metrics metrics;
  std::unique_ptr<http::Server> server;
  std::thread thread;
  int port = 0;

  explicit ViewerServer(int per_minute = 1000, const std::string& trusted_proxies = "") {
    tips::ViewerSessionOptions o;
    auto n = now;
    o.now_ns = [n] { return n->load(); };
    sessions = std::make_unique<tips::ViewerSessions>(o);
    http::ServerOptions sopts;
    sopts.access_log = false;
    sopts.threads = 4;
    auto proxies = http::TrustedProxies::parse(trusted_proxies);
    REQUIRE(proxies);
    sopts.trusted_proxies = *proxies;
    server = std::make_unique<http::Server>(sopts, &metrics);
    app::register_viewer_routes(*server, *sessions, 4096, per_minute);
    auto p = server->bind("127.0.0.1", 0);
    REQUIRE(p);
    port = *p;
    thread = std::thread([this] { server->run(); });
    for (int i = 0; i < 500 && !server->running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~ViewerServer() {
    server->stop();
    thread.join();
  }
  httplib::Client client() const { return httplib::Client("127.0.0.1", port); }
  httplib::Result post(const std::string& body) {
    return client().Post("/plugins/wm/viewer-session", body, "application/json");
  }
  httplib::Result get(const std::string& id) { return client().Get(("/plugins/wm/viewer-session/" + id).c_str()); }
  httplib::Result del(const std::string& id) { return client().Delete(("/plugins/wm/viewer-session/" + id).c_str()); }
};

json ok_json(const httplib::Result& r, int status) {
  REQUIRE(r);
  INFO(r->status << " " << r->body);
  REQUIRE(r->status == status);
  CHECK(r->get_header_value("Cache-Control") == "no-store");
  return json::parse(r->body);
}

std::string error_code(const httplib::Result& r, int status) {
  REQUIRE(r);
  INFO(r->status << " " << r->body);
  REQUIRE(r->status == status);
  json j = json::parse(r->body);
  CHECK(j["error"]["message"].is_string());
  CHECK(!j["error"]["message"].get<std::string>().empty());
  return j["error"]["code"];
}

int64_t parse_time(const json& j) {
  auto p = timeutil::parse_rfc3339(j.get<std::string>());
  REQUIRE(p);
  return p->unix_ns;
}

}  // namespace

TEST_CASE("viewer routes: create, read, forget over HTTP") {
  ViewerServer s;
  json created = ok_json(s.post(R"({"walletAddress":"$Wallet.Example/alice","displayName":"  Alice  "})"), 201);
  const std::string id = created["id"];
  CHECK(id.size() == 43);
  CHECK(created["walletAddress"] == "https://wallet.example/alice");
  CHECK(created["displayName"] == "Alice");
  CHECK(parse_time(created["expiresAt"]) / kSec == (*s.now + 1800 * kSec) / kSec);

  json got = ok_json(s.get(id), 200);
  CHECK(got["id"] == id);
  CHECK(got["walletAddress"] == "https://wallet.example/alice");
  CHECK(got["displayName"] == "Alice");

  // Without a name: null.
  json anon = ok_json(s.post(R"({"walletAddress":"https://wallet.example/bob","displayName":null})"), 201);
  CHECK(anon["displayName"].is_null());
  CHECK(anon["id"] != id);

  auto d = s.del(id);
  REQUIRE(d);
  CHECK(d->status == 204);
  CHECK(d->body.empty());
  CHECK(error_code(s.get(id), 404) == "not_found");
  auto again = s.del(id);  // idempotent, says nothing about existence
  REQUIRE(again);
  CHECK(again->status == 204);
  CHECK(ok_json(s.get(anon["id"]), 200)["walletAddress"] == "https://wallet.example/bob");
  CHECK(error_code(s.get("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 404) == "not_found");
}

TEST_CASE("viewer routes: the session expires after 30 minutes without use; each read slides it") {
  ViewerServer s;
  const std::string id = ok_json(s.post(R"({"walletAddress":"https://wallet.example/alice"})"), 201)["id"];
  *s.now += 1500 * kSec;
  json got = ok_json(s.get(id), 200);
  CHECK(parse_time(got["expiresAt"]) / kSec == (*s.now + 1800 * kSec) / kSec);
  *s.now += 1500 * kSec;  // 50 min after creation, 25 after the last read
  ok_json(s.get(id), 200);
  *s.now += 1800 * kSec;
  CHECK(error_code(s.get(id), 404) == "not_found");
}

TEST_CASE("viewer routes: wallet addresses are validated and normalised") {
  ViewerServer s;
  auto wallet_of = [&s](const std::string& typed) {
    return ok_json(s.post(json{{"walletAddress", typed}}.dump()), 201)["walletAddress"].get<std::string>();
  };
  CHECK(wallet_of("$wallet.example") == "https://wallet.example/.well-known/pay");
  CHECK(wallet_of(" https://WALLET.example:8443/Alice ") == "https://wallet.example:8443/Alice");
  CHECK(wallet_of("https://127.0.0.1:4000/alice") == "https://127.0.0.1:4000/alice");
  CHECK(wallet_of("https://[::1]:4000/alice") == "https://[::1]:4000/alice");

  for (const std::string bad : {"", "   ", "http://wallet.example/alice", "wallet.example/alice", "ftp://x/y",
                                "https://", "https:///alice", "https://user:pw@wallet.example/alice",
                                "https://wallet.example/alice?x=1", "https://wallet.example/alice#f",
                                "https://wallet.example/al ice", "https://wallet.example:99999/alice",
                                "https://wallet.example:/alice", "https://wal_let.example/alice",
                                "https://wallet.example/\xC3\xA9", "$", "https://[zz]/a"}) {
    INFO("wallet: '" << bad << "'");
    CHECK(error_code(s.post(json{{"walletAddress", bad}}.dump()), 400) == "invalid_wallet_address");
  }
  // Length: 2048 characters are fine, 2049 are not.
  const std::string prefix = "https://wallet.example/";
  CHECK(wallet_of(prefix + std::string(2048 - prefix.size(), 'a')).size() == 2048);
  CHECK(error_code(s.post(json{{"walletAddress", prefix + std::string(2049 - prefix.size(), 'a')}}.dump()), 400) ==
        "invalid_wallet_address");
  CHECK(error_code(s.post(R"({"walletAddress":42})"), 400) == "invalid_wallet_address");
  CHECK(error_code(s.post(R"({})"), 400) == "invalid_wallet_address");
  CHECK(s.sessions->size() == 5);  // only the valid ones were stored
}

TEST_CASE("viewer routes: display names and bodies are validated") {
  ViewerServer s;
  auto with_name = [&s](const json& name) {
    return s.post(json{{"walletAddress", "https://wallet.example/alice"}, {"displayName", name}}.dump());
  };
  // The same limit as POST /plugins/wm/tips, so a remembered name is always one a tip accepts.
  std::string longest;
  for (size_t i = 0; i < tips::kMaxDisplayNameChars; ++i) longest += "\xC3\xA9";  // 2 bytes each
  CHECK(ok_json(with_name(longest), 201)["displayName"] == longest);
  CHECK(error_code(with_name(longest + "x"), 400) == "invalid_display_name");
  CHECK(error_code(with_name("bad\nname"), 400) == "invalid_display_name");
  CHECK(error_code(with_name(7), 400) == "invalid_display_name");
  CHECK(ok_json(with_name("   "), 201)["displayName"].is_null());

  CHECK(error_code(s.post("not json"), 400) == "invalid_json");
  CHECK(error_code(s.post("[\"https://wallet.example/alice\"]"), 400) == "invalid_request");
  CHECK(error_code(s.post(std::string(5000, ' ')), 413) == "payload_too_large");
}

TEST_CASE("viewer routes: the id also travels in a partitioned cookie") {
  ViewerServer s;
  auto created = s.post(R"({"walletAddress":"https://wallet.example/alice"})");
  json body = ok_json(created, 201);
  const std::string id = body["id"];
  const std::string set = created->get_header_value("Set-Cookie");
  INFO(set);
  CHECK(set.rfind("wm_viewer=" + id + "; Max-Age=1800;", 0) == 0);
  for (const char* attr : {"; Path=/plugins/wm;", "; Secure", "; SameSite=None", "; Partitioned"})
    CHECK(set.find(attr) != std::string::npos);
  CHECK(set.find("Path=/plugins/wm;") != std::string::npos);

  auto get_with = [&s](const std::string& path_id, const std::string& cookie) {
    httplib::Headers h;
    if (!cookie.empty()) h.emplace("Cookie", cookie);
    return s.client().Get(("/plugins/wm/viewer-session/" + path_id).c_str(), h);
  };
  auto del_with = [&s](const std::string& path_id, const std::string& cookie) {
    httplib::Headers h;
    if (!cookie.empty()) h.emplace("Cookie", cookie);
    return s.client().Delete(("/plugins/wm/viewer-session/" + path_id).c_str(), h);
  };
  // A read renews the cookie (sliding, like the session).
  auto got = get_with(id, "other=1; wm_viewer=" + id + "; x=y");
  CHECK(ok_json(got, 200)["walletAddress"] == "https://wallet.example/alice");
  CHECK(got->get_header_value("Set-Cookie").rfind("wm_viewer=" + id + "; Max-Age=1800", 0) == 0);

  // Replacing: deleting an older session leaves the cookie (which holds the newer one) alone.
  const std::string newer = ok_json(s.post(R"({"walletAddress":"https://wallet.example/new"})"), 201)["id"];
  auto del_old = del_with(id, "wm_viewer=" + newer);
  REQUIRE(del_old);
  CHECK(del_old->status == 204);
  CHECK(del_old->get_header_value("Set-Cookie").empty());
  CHECK(error_code(get_with(id, ""), 404) == "not_found");
  // A miss for another id does not clear the cookie either; a miss for the cookie's own id does.
  auto other_miss = get_with(id, "wm_viewer=" + newer);
  CHECK(error_code(other_miss, 404) == "not_found");
  CHECK(other_miss->get_header_value("Set-Cookie").empty());
  auto own_miss = get_with(id, "wm_viewer=" + id);
  CHECK(error_code(own_miss, 404) == "not_found");
  CHECK(own_miss->get_header_value("Set-Cookie").rfind("wm_viewer=; Max-Age=0; Path=/plugins/wm;", 0) == 0);

  // Forgetting the cookie's session clears the cookie (with the same attributes, Partitioned included).
  auto del = del_with(newer, "wm_viewer=" + newer);
  REQUIRE(del);
  CHECK(del->status == 204);
  const std::string cleared = del->get_header_value("Set-Cookie");
  CHECK(cleared.rfind("wm_viewer=; Max-Age=0;", 0) == 0);
  CHECK(cleared.find("; Partitioned") != std::string::npos);
  CHECK(error_code(get_with(newer, ""), 404) == "not_found");
}

TEST_CASE("viewer routes: normalize_viewer_wallet directly") {
  CHECK(*app::normalize_viewer_wallet("$ilp.example/bob") == "https://ilp.example/bob");
  CHECK(*app::normalize_viewer_wallet("HTTPS://Ilp.Example/Bob") == "https://ilp.example/Bob");
  CHECK(*app::normalize_viewer_wallet("https://ilp.example") == "https://ilp.example");
  auto e = app::normalize_viewer_wallet("http://ilp.example/bob");
  REQUIRE_FALSE(e);
  CHECK(e.error().code == "invalid_wallet_address");
  CHECK(e.error().message.find("https://") != std::string::npos);
}

TEST_CASE("viewer routes: creating sessions is rate-limited per client IP") {
  ViewerServer s(3);
  std::string id;
  for (int i = 0; i < 3; ++i) id = ok_json(s.post(R"({"walletAddress":"https://wallet.example/alice"})"), 201)["id"];
  auto refused = s.post(R"({"walletAddress":"https://wallet.example/bob"})");
  CHECK(error_code(refused, 429) == "rate_limited");
  REQUIRE(refused);
  const int retry = std::stoi(refused->get_header_value("Retry-After"));
  CHECK(retry >= 1);
  CHECK(retry <= 60);
  CHECK(s.sessions->size() == 3);  // nothing stored for the refused one
  // Reading an existing session is not limited.
  CHECK(ok_json(s.get(id), 200)["id"] == id);
}

TEST_CASE("viewer routes: behind a trusted proxy each forwarded client has its own limit") {
  ViewerServer s(2, "127.0.0.1");
  auto post_from = [&s](const std::string& forwarded_for) {
    return s.client().Post("/plugins/wm/viewer-session", {{"X-Forwarded-For", forwarded_for}},
                           R"({"walletAddress":"https://wallet.example/alice"})", "application/json");
  };
  for (int i = 0; i < 2; ++i) ok_json(post_from("203.0.113.7"), 201);
  CHECK(error_code(post_from("203.0.113.7"), 429) == "rate_limited");
  // A forged left-most entry does not help: the proxy appended the real address on the right.
  CHECK(error_code(post_from("198.51.100.1, 203.0.113.7"), 429) == "rate_limited");
  // Another viewer behind the same proxy is not affected.
  ok_json(post_from("198.51.100.1"), 201);
}

TEST_CASE("viewer routes: X-Forwarded-For from an untrusted peer is ignored") {
  ViewerServer s(2);  // trusts nobody
  auto post_from = [&s](const std::string& forwarded_for) {
    return s.client().Post("/plugins/wm/viewer-session", {{"X-Forwarded-For", forwarded_for}},
                           R"({"walletAddress":"https://wallet.example/alice"})", "application/json");
  };
  ok_json(post_from("203.0.113.1"), 201);
  ok_json(post_from("203.0.113.2"), 201);
  CHECK(error_code(post_from("203.0.113.3"), 429) == "rate_limited");  // all counted as 127.0.0.1
}
