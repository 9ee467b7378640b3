#include "app/commands.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/crypto.h"
#include "openpayments/client.h"
#include "openpayments/keys.h"
#include "openpayments/signature.h"
#include "net/ssrf.h"

namespace wm::app {

namespace op = wm::openpayments;

namespace {

// --name value / --name=value / flags. Positional arguments kept in order.
struct Args {
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<std::string> flags;
  std::vector<std::string> positional;
  std::string error;

  std::optional<std::string> get(const std::string& name) const {
    std::optional<std::string> v;
    for (const auto& [k, val] : options)
      if (k == name) v = val;
    return v;
  }
  std::vector<std::string> all(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [k, val] : options)
      if (k == name) out.push_back(val);
    return out;
  }
  bool flag(const std::string& name) const {
    for (const auto& f : flags)
      if (f == name) return true;
    return false;
  }
};

Args parse(const std::vector<std::string>& in, const std::vector<std::string>& valued,
           const std::vector<std::string>& flag_names) {
  Args a;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string& s = in[i];
    if (s.rfind("--", 0) != 0 || s == "--") {
      a.positional.push_back(s);
      continue;
    }
    std::string name = s, value;
    bool inline_value = false;
    if (auto eq = s.find('='); eq != std::string::npos) {
      name = s.substr(0, eq);
      value = s.substr(eq + 1);
      inline_value = true;
    }
    bool is_valued = std::find(valued.begin(), valued.end(), name) != valued.end();
    bool is_flag = std::find(flag_names.begin(), flag_names.end(), name) != flag_names.end();
    if (is_flag && !inline_value) {
      a.flags.push_back(name);
    } else if (is_valued) {
      if (!inline_value) {
        if (i + 1 >= in.size()) {
          a.error = name;
          a.error.append(" needs a value");
          return a;
        }
        value = in[++i];
      }
      a.options.emplace_back(name, value);
    } else {
      a.error = "unknown option ";
      a.error.append(name);
      return a;
    }
  }
  return a;
}

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int usage_error(std::ostream& err, const std::string& command, const std::string& message) {
  err << "owncast-wm " << command << ": " << message << "\n";
  return 2;
}

}  // namespace

int cmd_keygen(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto a = parse(args, {"--out", "--key-id"}, {"--force"});
  if (!a.error.empty()) return usage_error(err, "keygen", a.error);
  if (!a.positional.empty()) return usage_error(err, "keygen", "unexpected argument " + a.positional[0]);
  auto path = a.get("--out");
  if (!path || path->empty()) return usage_error(err, "keygen", "--out FILE is required");
  std::string kid = a.get("--key-id").value_or(crypto::random_token(16));
  if (kid.empty() || kid.find_first_of("\"\\") != std::string::npos)
    return usage_error(err, "keygen", "--key-id must be non-empty and without quotes or backslashes");
  auto key = op::PrivateKey::generate();
  if (!key) return usage_error(err, "keygen", key.error().message);
  if (auto st = key->write_pem_file(*path, a.flag("--force")); !st) {
    if (st.error().code == "already_exists")
      return usage_error(err, "keygen", *path + " already exists (use --force to overwrite)");
    return usage_error(err, "keygen", st.error().message);
  }
  out << key->public_jwk(kid).dump(2) << "\n";
  return 0;
}

int cmd_sign_request(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const char* name = "sign-request";
  auto a = parse(args, {"--key-file", "--key-id", "--method", "--url", "--header", "--body", "--body-file", "--created"}, {});
  if (!a.error.empty()) return usage_error(err, name, a.error);
  if (!a.positional.empty()) return usage_error(err, name, "unexpected argument " + a.positional[0]);
  auto key_file = a.get("--key-file"), key_id = a.get("--key-id"), method = a.get("--method"), url = a.get("--url");
  if (!key_file) return usage_error(err, name, "--key-file is required");
  if (!key_id) return usage_error(err, name, "--key-id is required");
  if (!method) return usage_error(err, name, "--method is required");
  if (!url) return usage_error(err, name, "--url is required");
  auto key = op::PrivateKey::from_file(*key_file);
  if (!key) return usage_error(err, name, key.error().message);

  op::SignRequest r;
  r.method = *method;
  for (auto& c : r.method)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  auto normalized = op::normalize_url(*url);
  if (!normalized) return usage_error(err, name, normalized.error().message);
  if (*normalized != *url)
    return usage_error(err, name, "send and sign the normalised URL instead: " + *normalized);
  r.url = *normalized;
  r.key_id = *key_id;
  for (const auto& h : a.all("--header")) {
    auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) return usage_error(err, name, "--header must be 'Name: value'");
    std::string value = h.substr(colon + 1);
    size_t start = value.find_first_not_of(" \t");
    value = start == std::string::npos ? std::string() : value.substr(start);
    r.headers.push_back({h.substr(0, colon), value});
  }
  auto body = a.get("--body");
  auto body_file = a.get("--body-file");
  if (body && body_file) return usage_error(err, name, "use --body or --body-file, not both");
  if (body) r.body = *body;
  if (body_file) {
    auto text = slurp(*body_file);
    if (!text) return usage_error(err, name, "cannot read " + *body_file);
    r.body = *text;
  }
  if (auto created = a.get("--created")) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(created->data(), created->data() + created->size(), v);
    if (ec != std::errc() || p != created->data() + created->size() || v < 0)
      return usage_error(err, name, "--created must be unix seconds");
    r.created = v;
  } else {
    r.created = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  }
  auto signed_headers = op::sign_request(*key, r);
  if (!signed_headers) return usage_error(err, name, signed_headers.error().message);
  for (const auto& h : signed_headers->headers) out << h.name << ": " << h.value << "\n";
  return 0;
}

int cmd_wallet(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const char* name = "wallet";
  auto a = parse(args, {"--op-dev-hosts", "--timeout"}, {});
  if (!a.error.empty()) return usage_error(err, name, a.error);
  if (a.positional.size() != 1) return usage_error(err, name, "usage: owncast-wm wallet URL [--op-dev-hosts host:port,...]");
  std::string dev = a.get("--op-dev-hosts").value_or("");
  if (!a.get("--op-dev-hosts"))
    if (const char* env = std::getenv("OWNCAST_WM_OP_DEV_HOSTS")) dev = env;
  auto hosts = net::parse_dev_hosts(dev);
  if (hosts && !hosts->empty())
    err << "WARNING: --op-dev-hosts is for development only: plain http and loopback/private addresses are "
           "allowed for "
        << dev << "\n";
  if (!hosts) return usage_error(err, name, hosts.error().message);
  op::ClientConfig cfg;
  cfg.transport.dev_hosts = *hosts;
  op::Client client(std::move(cfg));
  auto w = client.get_wallet_address(a.positional[0]);
  if (!w) {
    err << "owncast-wm wallet: " << w.error().message() << "\n";
    return 1;
  }
  nlohmann::json doc;
  doc["walletAddress"] = w->raw;
  auto jwks = client.get_jwks(w->id);
  if (!jwks) {
    out << doc.dump(2) << "\n";
    err << "owncast-wm wallet: cannot read jwks.json: " << jwks.error().message() << "\n";
    return 1;
  }
  doc["jwks"] = *jwks;
  out << doc.dump(2) << "\n";
  return 0;
}

}  // namespace wm::app
