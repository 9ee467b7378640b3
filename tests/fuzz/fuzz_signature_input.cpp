// libFuzzer: the RFC 9421 Signature-Input / Signature parser of verify_request (what the
// sandbox-side verification and our tests rely on). Input: "<Signature-Input>\n<Signature>\n
// <Content-Digest>\n<body>"; headers Authorization/Content-Length/Content-Type are fixed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "openpayments/keys.h"
#include "openpayments/signature.h"

namespace {

std::string_view next_line(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  return line;
}

const std::string& public_raw() {
  static const std::string raw = [] {
    auto key = wm::openpayments::PrivateKey::generate();
    if (!key) __builtin_trap();
    return key->public_raw();
  }();
  return raw;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  wm::openpayments::ReceivedRequest r;
  r.method = "POST";
  r.url = "https://auth.example/continue/1";
  r.headers.push_back({"Signature-Input", std::string(next_line(in))});
  r.headers.push_back({"Signature", std::string(next_line(in))});
  r.headers.push_back({"Content-Digest", std::string(next_line(in))});
  r.headers.push_back({"Authorization", "GNAP token"});
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = std::string(in);
  r.headers.push_back({"Content-Length", std::to_string(in.size())});
  // A random key never verifies: everything must end in a clean "invalid_signature".
  auto st = wm::openpayments::verify_request(public_raw(), r);
  if (st || st.error().code != "invalid_signature") __builtin_trap();
  return 0;
}
