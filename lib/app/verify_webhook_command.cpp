#include "app/verify_webhook_command.h"

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "core/timeutil.h"
#include "webhooks/signing.h"

namespace wm::app {

namespace {

int usage(std::ostream& err, const std::string& message) {
  err << "owncast-wm verify-webhook: " << message << "\n";
  return 2;
}

}  // namespace

int cmd_verify_webhook(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
  static const char* kNames[] = {"--secret", "--id", "--timestamp", "--signature", "--body"};
  std::map<std::string, std::string> v;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i], value;
    const auto eq = name.find('=');
    if (eq != std::string::npos) value = name.substr(eq + 1), name = name.substr(0, eq);
    bool known = false;
    for (const char* n : kNames) known = known || name == n;
    if (!known) return usage(err, "unknown argument " + name);
    if (eq == std::string::npos) {
      if (i + 1 >= args.size()) return usage(err, name + " needs a value");
      value = args[++i];
    }
    v[name] = value;
  }
  for (const char* n : kNames)
    if (!v.count(n)) return usage(err, std::string(n) + " is required (usage: --secret S --id ID --timestamp T --signature SIG --body FILE)");
  std::string body;
  if (v["--body"] == "-") {
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    std::ifstream f(v["--body"], std::ios::binary);
    if (!f) return usage(err, "cannot read " + v["--body"]);
    std::ostringstream ss;
    ss << f.rdbuf();
    body = ss.str();
  }
  if (auto key = webhooks::secret_key(v["--secret"]); !key) return usage(err, key.error().message);
  auto s = webhooks::verify(v["--secret"], v["--id"], v["--timestamp"], v["--signature"], body, 0);
  if (!s) {
    if (s.error().code == "invalid_timestamp") return usage(err, s.error().message);
    out << "invalid: " << s.error().message << " (check the secret and that the body file holds the exact bytes received)\n";
    return 1;
  }
  const int64_t age = timeutil::now_ns() / 1000000000 - std::stoll(v["--timestamp"]);
  out << "valid";
  if (age > webhooks::kToleranceS || age < -webhooks::kToleranceS)
    out << " (but the timestamp is " << age << " s from now: receivers allowing 5 minutes would refuse it as a replay)";
  out << "\n";
  return 0;
}

}  // namespace wm::app
