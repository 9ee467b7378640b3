// Uploaded alert sounds over real HTTP: upload (raw body, audio types only, the bytes must match
// the type), list, delete, the overlay's key-guarded download, the 1 MiB cap enforced while the
// body is read, the file count cap, and alert settings that name a sound.
#include <catch2/catch.hpp>

#include "alerts/sounds.h"
#include "support/app_harness.h"
#include "support/test_support.h"

using namespace wm;
using json = nlohmann::json;
using test::RunningApp;

namespace {

const std::string kPassword = "correct horse battery";
httplib::Headers admin() { return {{"Authorization", test::basic_auth(kPassword)}}; }

const std::string kOgg = std::string("OggS\0\x02", 6) + std::string(200, '\x01');
const std::string kWav = std::string("RIFF\x24\0\0\0WAVEfmt ", 16) + std::string(100, '\0');
const std::string kMp3 = std::string("ID3\x04\0\0", 6) + std::string(300, '\x02');

httplib::Result upload(RunningApp& app, const std::string& name, const std::string& type, const std::string& body) {
  return app.client().Post("/plugins/wm/api/alerts/sounds?name=" + name, admin(), body, type.c_str());
}

json body_of(const httplib::Result& r) { return json::parse(r->body); }

}  // namespace

TEST_CASE("sounds: upload, list, download with the overlay key only, delete") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto up = upload(app, "Coin", "audio/ogg", kOgg);
  REQUIRE(up);
  REQUIRE(up->status == 201);
  const json s = body_of(up);
  CHECK(s["name"] == "Coin");
  CHECK(s["contentType"] == "audio/ogg");
  CHECK(s["bytes"] == kOgg.size());
  const std::string id = s["id"];
  CHECK(id.size() >= 22);
  REQUIRE(upload(app, "Bell", "audio/x-wav", kWav)->status == 201);
  REQUIRE(upload(app, "Horn", "audio/mpeg", kMp3)->status == 201);

  auto list = app.client().Get("/plugins/wm/api/alerts/sounds", admin());
  REQUIRE(list->status == 200);
  const json sounds = body_of(list)["sounds"];
  REQUIRE(sounds.size() == 3);
  CHECK(sounds[0]["name"] == "Coin");
  CHECK(sounds[1]["contentType"] == "audio/wav");
  CHECK(app.client().Get("/plugins/wm/api/alerts/sounds")->status == 401);
  CHECK(app.client().Post("/plugins/wm/api/alerts/sounds?name=x", kOgg, "audio/ogg")->status == 401);

  auto k = app.client().Get("/plugins/wm/api/overlays", admin());
  const std::string key = body_of(k)["key"];
  auto file = app.client().Get("/plugins/wm/overlay/sounds/" + id + "?key=" + key);
  REQUIRE(file);
  CHECK(file->status == 200);
  CHECK(file->body == kOgg);
  CHECK(file->get_header_value("Content-Type") == "audio/ogg");
  CHECK(app.client().Get("/plugins/wm/overlay/sounds/" + id + "?key=wrong")->status == 404);
  CHECK(app.client().Get("/plugins/wm/overlay/sounds/" + id)->status == 404);
  CHECK(app.client().Get("/plugins/wm/overlay/sounds/nope?key=" + key)->status == 404);

  auto del = app.client().Delete("/plugins/wm/api/alerts/sounds/" + id, admin());
  REQUIRE(del);
  CHECK(del->status == 204);
  CHECK(app.client().Delete("/plugins/wm/api/alerts/sounds/" + id, admin())->status == 404);
  CHECK(app.client().Get("/plugins/wm/overlay/sounds/" + id + "?key=" + key)->status == 404);
  CHECK(body_of(app.client().Get("/plugins/wm/api/alerts/sounds", admin()))["sounds"].size() == 2);
}

TEST_CASE("sounds: bad uploads get a clear error; the 1 MiB cap holds on the bytes read; at most 50 files") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  auto code = [](const httplib::Result& r) { return json::parse(r->body)["error"]["code"].get<std::string>(); };
  auto r = upload(app, "x", "text/plain", kOgg);
  CHECK(r->status == 415);  // not JSON, not audio: refused before anything else
  r = upload(app, "x", "audio/ogg", kWav);  // says ogg, is wav
  CHECK(r->status == 400);
  CHECK(code(r) == "invalid_sound");
  r = upload(app, "x", "audio/mpeg", "hello, not a sound");
  CHECK(r->status == 400);
  r = upload(app, "", "audio/ogg", kOgg);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["message"].get<std::string>().find("name") != std::string::npos);
  r = upload(app, "x", "audio/ogg", "");
  CHECK(r->status == 400);
  // Exactly at the cap: accepted. One byte more: refused while reading (413).
  const std::string max = kOgg.substr(0, 4) + std::string(alerts::kMaxSoundBytes - 4, '\x03');
  r = upload(app, "max", "audio/ogg", max);
  REQUIRE(r);
  CHECK(r->status == 201);
  r = upload(app, "big", "audio/ogg", max + "x");
  REQUIRE(r);
  CHECK(r->status == 413);
  // Other admin routes keep their 64 KiB JSON limit.
  auto settings = app.client().Put("/plugins/wm/api/alerts/settings", admin(), std::string(70000, ' '), "application/json");
  REQUIRE(settings);
  CHECK(settings->status == 413);
  for (size_t i = 1; i < alerts::kMaxSounds; ++i) REQUIRE(upload(app, "s" + std::to_string(i), "audio/ogg", kOgg)->status == 201);
  r = upload(app, "one-too-many", "audio/ogg", kOgg);
  CHECK(r->status == 409);
  CHECK(code(r) == "too_many_sounds");
}

TEST_CASE("sounds: a style or variation may name an uploaded sound; unknown names are refused") {
  test::TempDir dir;
  RunningApp app(dir.path(), {"--admin-password", kPassword});
  const std::string id = body_of(upload(app, "Coin", "audio/ogg", kOgg))["id"];
  auto put = [&](const json& body) {
    return app.client().Put("/plugins/wm/api/alerts/settings", admin(), body.dump(), "application/json");
  };
  const json min = {{"value", "2000"}, {"assetCode", "USD"}, {"assetScale", 2}};
  auto ok = put({{"style", {{"sound", "chime"}}}, {"variations", {{{"name", "big"}, {"min", min}, {"style", {{"sound", id}}}}}}});
  REQUIRE(ok);
  CHECK(ok->status == 200);
  auto bad = put({{"style", {{"sound", "does-not-exist"}}}});
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(body_of(bad)["error"]["code"] == "invalid_settings");
  CHECK(body_of(bad)["error"]["message"].get<std::string>().find("does-not-exist") != std::string::npos);
}
