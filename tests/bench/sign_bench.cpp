// Benchmark (not a test): RFC 9421 signing throughput of wm::openpayments::sign_request on one
// thread, for the request shape of an outgoing-payment create (POST, ~300-byte compact JSON body,
// Authorization header). Each iteration is the whole header production: Content-Digest (SHA-512),
// signature base, Ed25519 signature. tests/bench/sign_bench.mjs signs the same request with
// Interledger's @interledger/http-signature-utils. Run by scripts/bench (pinned with taskset).
//
// Usage: sign_bench [--seconds S] [--key-only]
// Prints: sign_bench ours signs=N seconds=T signs_per_sec=R cpu_seconds=C signs_per_cpu_sec=R2 ...
// signs_per_sec is per wall-clock second; signs_per_cpu_sec per second of this process's CPU time
// (user + system), which is what `openssl speed` divides by (user time) and is the fairer number
// on a loaded machine.
// --key-only (diagnostic): only PrivateKey::sign over the same signature base, no header work,
// to split our overhead into "around the signature" and "OpenSSL EVP per-call cost".
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "openpayments/keys.h"
#include "openpayments/signature.h"

using namespace wm::openpayments;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Keep identical to tests/bench/sign_bench.mjs.
const char* const kUrl = "https://ilp.example.com/alice/outgoing-payments";
const char* const kAuthorization = "GNAP 8F3A2C1D9E7B6A5F4E3D2C1B0A9F8E7D6C5B4A39";
const char* const kBody =
    R"({"walletAddress":"https://ilp.example.com/alice",)"
    R"("quoteId":"https://ilp.example.com/alice/quotes/8c8f5d1e-4b8a-4f38-9f5e-2a3c1b7d9e10",)"
    R"("metadata":{"description":"Tip from alice for the stream, sent by owncast-wm",)"
    R"("externalRef":"owncast-wm/tip/0b6f7e0c-2d7f-4f0e-9a51-7f0a2c9f4b11","source":"bench"}})";

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  bool key_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--key-only") {
      key_only = true;
    } else {
      std::fprintf(stderr, "usage: sign_bench [--seconds S] [--key-only]\n");
      return 2;
    }
  }
  auto key = PrivateKey::generate();
  if (!key) {
    std::fprintf(stderr, "key generation failed\n");
    return 1;
  }
  SignRequest req;
  req.method = "POST";
  req.url = kUrl;
  req.headers = {{"Authorization", kAuthorization}};
  req.body = std::string(kBody);
  req.key_id = "bench-key";
  req.body_is_compact = true;  // as the client signs: its bodies come from compact_json()

  // Warm-up and sanity check.
  req.created = static_cast<int64_t>(std::time(nullptr));
  auto first = sign_request(*key, req);
  if (!first) {
    std::fprintf(stderr, "sign_request failed: %s\n", first.error().message.c_str());
    return 1;
  }

  using Clock = std::chrono::steady_clock;
  const double cpu_start = cpu_seconds();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  long long n = 0;
  size_t sink = 0;
  for (;;) {
    for (int i = 0; i < 16; ++i) {
      if (key_only) {
        auto r = key->sign(first->signature_base);
        if (!r) return 1;
        sink += r->size();
      } else {
        req.created = static_cast<int64_t>(std::time(nullptr));
        auto r = sign_request(*key, req);
        if (!r) {
          std::fprintf(stderr, "sign_request failed: %s\n", r.error().message.c_str());
          return 1;
        }
        sink += r->headers.back().value.size();
      }
      ++n;
    }
    if (Clock::now() >= deadline) break;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;
  std::printf("sign_bench %s signs=%lld seconds=%.3f signs_per_sec=%.1f cpu_seconds=%.3f signs_per_cpu_sec=%.1f body_bytes=%zu headers=%zu\n",
              key_only ? "ours-key-only" : "ours", n, elapsed, static_cast<double>(n) / elapsed, cpu, static_cast<double>(n) / cpu, std::string(kBody).size(), sink ? first->headers.size() : 0);
  return 0;
}
