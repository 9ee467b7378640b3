// render_template: the streamer's template with escaped viewer values.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "notify/announce.h"
#include "support/test_support.h"

using wm::notify::kDefaultTemplate;
using wm::notify::render_template;
using wm::notify::TemplateOptions;
using wm::notify::validate_template;
using wm::notify::Vars;

namespace {
Vars tip(std::string name, std::string amount, std::string message) {
  Vars v;
  v.name = std::move(name);
  v.amount = std::move(amount);
  v.message = std::move(message);
  return v;
}
}  // namespace

TEST_CASE("notify: default template names the viewer, the amount and the message") {
  auto r = render_template(kDefaultTemplate, tip("quiet-otter", "5.00 EUR", "great set"));
  REQUIRE(r.ok());
  CHECK(*r == "🎉 quiet-otter tipped 5.00 EUR — great set");
}

TEST_CASE("notify: default template drops the message separator when there is no message") {
  auto r = render_template(kDefaultTemplate, tip("quiet-otter", "5.00 EUR", ""));
  REQUIRE(r.ok());
  CHECK(*r == "🎉 quiet-otter tipped 5.00 EUR");
  auto ws = render_template(kDefaultTemplate, tip("quiet-otter", "5.00 EUR", " \n\t "));
  REQUIRE(ws.ok());
  CHECK(*ws == "🎉 quiet-otter tipped 5.00 EUR");  // whitespace-only counts as empty
  auto colon = render_template("{name}: {message} ({amount})", tip("Ann", "1 USD", ""));
  REQUIRE(colon.ok());
  CHECK(*colon == "Ann (1 USD)");
}

TEST_CASE("notify: anonymous tips are announced as Someone, or the configured name") {
  Vars v = tip("Mira", "2.00 USD", "hi");
  v.anonymous = true;
  auto r = render_template(kDefaultTemplate, v);
  REQUIRE(r.ok());
  CHECK(*r == "🎉 Someone tipped 2.00 USD — hi");
  CHECK(r->find("Mira") == std::string::npos);
  TemplateOptions opts;
  opts.anonymous_name = "A kind stranger";
  auto named = render_template(kDefaultTemplate, v, opts);
  REQUIRE(named.ok());
  CHECK(*named == "🎉 A kind stranger tipped 2.00 USD — hi");
  auto empty_name = render_template(kDefaultTemplate, tip("  ", "2.00 USD", "hi"));
  REQUIRE(empty_name.ok());
  CHECK(*empty_name == "🎉 Someone tipped 2.00 USD — hi");
}

TEST_CASE("notify: unknown placeholders are rejected") {
  auto r = render_template("{name} tipped {amout}", tip("a", "1 USD", ""));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "invalid_template");
  CHECK(r.error().message.find("{amout}") != std::string::npos);
  CHECK_FALSE(validate_template("{wallet}").ok());
  CHECK(validate_template(kDefaultTemplate).ok());
  CHECK(validate_template("{title}: {name} sent {amount}! {message}").ok());
  CHECK(validate_template("literal {{name}} and { brace }").ok());
}

TEST_CASE("notify: literal braces in a template") {
  auto r = render_template("{{name}} is {name} {not a placeholder}", tip("Ann", "1 USD", ""));
  REQUIRE(r.ok());
  CHECK(*r == "{name} is Ann {not a placeholder}");
}

TEST_CASE("notify: template values are escaped, the template itself is not") {
  auto r = render_template("🎉 **{name}** tipped **{amount}** — {message}",
                           tip("**x**", "5.00 USD", "[x](http://evil) {amount} <b>"));
  REQUIRE(r.ok());
  CHECK(*r == "🎉 **&#42;&#42;x&#42;&#42;** tipped **5.00 USD** — "
              "&#91;x&#93;&#40;http&#58;//evil&#41; &#123;amount&#125; &lt;b&gt;");
}

TEST_CASE("notify: a template can produce the Owncast chat-system fixture body") {
  auto fixture = nlohmann::json::parse(
      wm::test::read_file(wm::test::fixture_dir() + "/api/chat-system.request.json"));
  auto r = render_template("🎉 **{name}** tipped **{amount}** — {message}!",
                           tip("quiet-otter", "5.00 USD", "thank you"));
  REQUIRE(r.ok());
  CHECK(*r == fixture["body"].get<std::string>());
}

TEST_CASE("notify: stream title placeholder") {
  Vars v = tip("Ann", "3.00 EUR", "");
  v.title = "Friday synth jam 🎹";
  auto r = render_template("{name} tipped {amount} during {title}", v);
  REQUIRE(r.ok());
  CHECK(*r == "Ann tipped 3.00 EUR during Friday synth jam 🎹");
}

TEST_CASE("notify: an empty or hidden message leaves no empty quotes or brackets behind") {
  const std::pair<const char*, const char*> cases[] = {
      {"{name} tipped {amount}: \"{message}\"", "Ann tipped 1 USD"},
      {"{name} tipped {amount} \xE2\x80\x9C{message}\xE2\x80\x9D!", "Ann tipped 1 USD!"},
      {"{name} tipped {amount} ({message})", "Ann tipped 1 USD"},
      {"{name} tipped {amount} \xC2\xAB{message}\xC2\xBB", "Ann tipped 1 USD"},
      {"{name} tipped {amount} \xE2\x80\x94 *{message}*", "Ann tipped 1 USD"},
      {"{name} tipped {amount} \xE2\x80\x94 '{message}' \xE2\x80\x94 thanks", "Ann tipped 1 USD \xE2\x80\x94 thanks"},
  };
  for (const auto& [tmpl, want] : cases) {
    auto r = render_template(tmpl, tip("Ann", "1 USD", ""));
    REQUIRE(r.ok());
    CHECK(*r == want);
    auto with = render_template(tmpl, tip("Ann", "1 USD", "hi"));
    REQUIRE(with.ok());
    CHECK(with->find("hi") != std::string::npos);
  }
}
