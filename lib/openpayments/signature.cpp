#include "openpayments/signature.h"

#include <algorithm>
#include <charconv>

#include "core/crypto.h"
#include "openpayments/compact_json.h"

namespace wm::openpayments {
namespace {

Error bad_request(std::string message) { return Error{"invalid_request", std::move(message)}; }
Error bad_signature(std::string message) { return Error{"invalid_signature", std::move(message)}; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// A value we can put on the wire and into the base unchanged: no CR/LF/NUL, no outer blanks.
bool is_clean_value(std::string_view v) {
  if (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.back() == ' ' || v.back() == '\t'))
    return false;
  return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

size_t count_header(const Headers& headers, std::string_view name) {
  return static_cast<size_t>(std::count_if(headers.begin(), headers.end(),
                                           [&](const Header& h) { return iequals(h.name, name); }));
}

// Lines `"<component>": <value>` then `"@signature-params": <params>`, joined by LF.
std::string signature_base(const std::vector<std::pair<std::string, std::string>>& lines,
                           std::string_view params) {
  std::string base;
  for (const auto& [name, value] : lines) base += "\"" + name + "\": " + value + "\n";
  return base + "\"@signature-params\": " + std::string(params);
}

Status check(const SignRequest& r) {
  if (r.method.empty() ||
      !std::all_of(r.method.begin(), r.method.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return bad_request("method must be an upper-case token");
  auto url = normalize_url(r.url);
  if (!url) return url.error();
  if (*url != r.url)
    return bad_request("URL is not normalised; sign exactly what is sent: " + *url);
  if (r.key_id.empty() || r.key_id.find_first_of("\"\\") != std::string::npos ||
      std::any_of(r.key_id.begin(), r.key_id.end(), [](char c) { return c < 0x20 || c == 0x7f; }))
    return bad_request("key id must be non-empty printable text without quotes or backslashes");
  if (r.created < 0) return bad_request("created must not be negative");
  for (const auto& h : r.headers) {
    if (!is_token(h.name) || !is_clean_value(h.value))
      return bad_request("malformed header " + h.name);
  }
  for (const char* own : {"content-length", "content-digest", "signature", "signature-input"})
    if (find_header(r.headers, own))
      return bad_request(std::string("header is set by the signer: ") + own);
  for (const char* single : {"authorization", "content-type"})
    if (count_header(r.headers, single) > 1)
      return bad_request(std::string("repeated header ") + single);
  return ok_status();
}

}  // namespace

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return &h.value;
  return nullptr;
}

std::string content_digest(std::string_view body) {
  return "sha-512=:" + crypto::base64(crypto::sha512(body)) + ":";
}

Result<SignedHeaders> sign_request(const PrivateKey& key, const SignRequest& r) {
  if (auto st = check(r); !st) return st.error();
  SignedHeaders out;
  std::vector<std::pair<std::string, std::string>> lines{{"@method", r.method},
                                                         {"@target-uri", r.url}};
  if (const auto* auth = find_header(r.headers, "authorization"))
    lines.emplace_back("authorization", *auth);
  if (r.body && !r.body->empty()) {
    std::string digested = *r.body;
    if (r.digest_reserialized_body) {
      auto again = js_reserialize(*r.body);
      if (!again) return Error{"non_canonical_body", "body is not valid JSON"};
      digested = *again;
    } else if (!r.body_is_compact && !is_compact_json(*r.body)) {
      return Error{"non_canonical_body", "body is not compact JSON as JSON.stringify writes it"};
    }
    const std::string* type = find_header(r.headers, "content-type");
    if (type && *type != "application/json")
      return bad_request("Content-Type must be application/json");
    if (!type) out.headers.push_back({"Content-Type", "application/json"});
    out.headers.push_back({"Content-Length", std::to_string(r.body->size())});
    out.headers.push_back({"Content-Digest", content_digest(digested)});
    lines.emplace_back("content-digest", out.headers.back().value);
    lines.emplace_back("content-length", std::to_string(r.body->size()));
    lines.emplace_back("content-type", "application/json");
  }
  std::string params = "(";
  for (const auto& [name, value] : lines) {
    params += (params.size() > 1 ? " \"" : "\"") + name + "\"";
    out.covered_components.push_back(name);
  }
  params += ");keyid=\"" + r.key_id + "\";created=" + std::to_string(r.created);
  out.signature_base = signature_base(lines, params);
  auto sig = key.sign(out.signature_base);
  if (!sig) return sig.error();
  out.headers.push_back({"Signature-Input", "sig1=" + params});
  out.headers.push_back({"Signature", "sig1=:" + crypto::base64(*sig) + ":"});
  return out;
}

Result<std::string> normalize_url(std::string_view url) {
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return bad_request("URL contains spaces, control or non-ASCII characters");
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad_request("URL is not absolute");
  std::string scheme;
  for (char c : url.substr(0, sep)) scheme.push_back(lower(c));
  if (scheme != "http" && scheme != "https") return bad_request("URL scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find('#'));
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view path = end == std::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != std::string_view::npos)
    return bad_request("URL must not carry userinfo");
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) != std::string_view::npos)
    colon = std::string_view::npos;  // the colon belongs to an IPv6 literal
  std::string host;
  for (char c : authority.substr(0, colon)) host.push_back(lower(c));
  if (host.empty()) return bad_request("URL has no host");
  std::string out = scheme + "://" + host;
  if (colon != std::string_view::npos) {
    std::string_view digits = authority.substr(colon + 1);
    unsigned port = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || port == 0 ||
        port > 65535)
      return bad_request("URL has an invalid port");
    if (!((scheme == "https" && port == 443) || (scheme == "http" && port == 80)))
      out += ":" + std::to_string(port);
  }
  return out + (path.empty() || path[0] == '?' ? "/" : "") + std::string(path);
}

Status verify_request(std::string_view public_raw, const ReceivedRequest& r) {
  const std::string* input = find_header(r.headers, "signature-input");
  const std::string* sig = find_header(r.headers, "signature");
  if (!input || !sig) return bad_signature("Signature or Signature-Input missing");
  if (input->rfind("sig1=(", 0) != 0) return bad_signature("Signature-Input has no sig1 label");
  if (sig->size() < 8 || sig->rfind("sig1=:", 0) != 0 || sig->back() != ':')
    return bad_signature("Signature has no sig1 label");
  std::string params = input->substr(5);
  size_t close = params.find(')');
  if (close == std::string::npos) return bad_signature("Signature-Input is malformed");
  std::vector<std::string> names;
  std::string_view list = std::string_view(params).substr(1, close - 1);
  while (!list.empty()) {
    size_t q = list.find('"', 1);
    if (list[0] != '"' || q == std::string_view::npos)
      return bad_signature("malformed component list");
    names.emplace_back(list.substr(1, q - 1));
    list.remove_prefix(q + 1);
    if (!list.empty() && list[0] == ' ') list.remove_prefix(1);
  }
  auto covered = [&](std::string_view n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  for (const auto& n : names)
    if (std::any_of(n.begin(), n.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
      return bad_signature("component names must be lower case");
  if (!covered("@method") || !covered("@target-uri"))
    return bad_signature("@method and @target-uri must be covered");
  if (find_header(r.headers, "authorization") && !covered("authorization"))
    return bad_signature("Authorization is not covered");
  if (covered("content-digest")) {
    const std::string* digest = find_header(r.headers, "content-digest");
    if (!digest || !find_header(r.headers, "content-length") ||
        !find_header(r.headers, "content-type"))
      return bad_signature("content headers missing");
    std::string body = r.body.value_or("");
    if (!crypto::ct_equal(*digest, content_digest(js_reserialize(body).value_or(body))))
      return bad_signature("Content-Digest does not match the body");
  }
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& n : names) {
    const std::string* value = n == "@method"       ? &r.method
                               : n == "@target-uri" ? &r.url
                                                    : find_header(r.headers, n);
    if (!value) return bad_signature("covered header missing: " + n);
    lines.emplace_back(n, *value);
  }
  auto raw_sig = crypto::unbase64(std::string_view(*sig).substr(6, sig->size() - 7));
  if (!raw_sig || !verify_ed25519(public_raw, signature_base(lines, params), *raw_sig))
    return bad_signature("signature does not verify");
  return ok_status();
}

Status verify_request_with_jwk(const nlohmann::json& jwk, const ReceivedRequest& r) {
  auto raw = public_key_from_jwk(jwk);
  if (!raw) return raw.error();
  const std::string* input = find_header(r.headers, "signature-input");
  auto it = jwk.find("kid");
  std::string kid = it != jwk.end() && it->is_string() ? it->get<std::string>() : "";
  if (!input || kid.empty() || input->find(";keyid=\"" + kid + "\"") == std::string::npos)
    return bad_signature("keyid does not name this key");
  return verify_request(*raw, r);
}

}  // namespace wm::openpayments
