// HTTP/1.1 request framing, checked before a request reaches cpp-httplib: where the head ends,
// how long the body is (Content-Length or chunked), and whether it may be read at all. The
// listener reads a whole request into memory with these rules (bounded by the route's body
// limit and a deadline), so a handler thread never waits on a client. The rules match what
// cpp-httplib 0.11.4 then parses from the same bytes; anything ambiguous is refused.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wm::http::wire {

struct Head {
  std::string method;
  std::string path;         // request target up to '?', not decoded
  size_t size = 0;          // bytes of the request line and headers, final blank line included
  bool chunked = false;     // Transfer-Encoding: chunked
  uint64_t content_length = 0;
  bool encoded = false;     // Content-Encoding other than identity
  bool expect_continue = false;
  bool has_body() const { return chunked || content_length > 0; }
};

enum class Parse { incomplete, complete, refused };

struct HeadResult {
  Parse status = Parse::incomplete;
  Head head;
  int http_status = 0;      // when refused: 400, 431 or 501
  std::string code, message;
};

// Looks at the bytes received so far. Lines end at '\n'; a header line not ending in CRLF is
// ignored and the head ends at the first line that is exactly CRLF (as cpp-httplib reads it).
// Heads longer than max_head are refused with 431.
HeadResult parse_head(std::string_view buf, size_t max_head);

// Incremental scanner of a chunked body: finds its end and counts the decoded bytes, refusing
// a body whose decoded size exceeds `limit` as soon as that is known.
class ChunkedScanner {
 public:
  enum class Status { more, done, bad, too_large };
  explicit ChunkedScanner(uint64_t limit) : limit_(limit) {}
  // Scans data (the body bytes after those already scanned). `used` = bytes consumed; on done,
  // the body ends after them.
  Status feed(std::string_view data, size_t& used);
  uint64_t decoded() const { return decoded_; }

 private:
  enum class State { size, data, data_cr, data_lf, last_cr, last_lf };
  State state_ = State::size;
  std::string line_;
  uint64_t remaining_ = 0;
  uint64_t decoded_ = 0;
  uint64_t limit_;
};

}  // namespace wm::http::wire
