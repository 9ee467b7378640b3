// Key encodings shared by every table owner (store.h, namespace key): big-endian integers so
// that LMDB's byte order is numeric order.
#include <string>
#include <string_view>

#include "store/store.h"

namespace wm::store::key {

std::string u64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

uint64_t read_u64(std::string_view k, size_t at) {
  if (at > k.size() || k.size() - at < 8) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(k[at + i]);
  return v;
}

std::string time_seq(uint64_t unix_ns, uint64_t seq) { return u64(unix_ns) + u64(seq); }

}  // namespace wm::store::key
