#include <catch2/catch.hpp>

#include "http/wire.h"

using namespace wm::http::wire;

TEST_CASE("wire: a head is complete at the first CRLF line and names its framing") {
  auto r = parse_head("POST /webhooks/owncast/t?x=1 HTTP/1.1\r\nHost: a\r\ncontent-length: 12\r\n\r\nbody", 4096);
  REQUIRE(r.status == Parse::complete);
  CHECK(r.head.method == "POST");
  CHECK(r.head.path == "/webhooks/owncast/t");
  CHECK(r.head.content_length == 12);
  CHECK(r.head.size == std::string("POST /webhooks/owncast/t?x=1 HTTP/1.1\r\nHost: a\r\ncontent-length: 12\r\n\r\n").size());
  CHECK(parse_head("GET / HTTP/1.1\r\nHost: a\r\n", 4096).status == Parse::incomplete);
  // A line without CRLF is skipped, as cpp-httplib does: its Transfer-Encoding does not count.
  auto lf = parse_head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\n\r\n", 4096);
  REQUIRE(lf.status == Parse::complete);
  CHECK_FALSE(lf.head.chunked);
}

TEST_CASE("wire: ambiguous or unsupported framing is refused") {
  struct Case {
    std::string head;
    int status;
  };
  std::vector<Case> cases = {
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunk%65d\r\n\r\n", 400},
      {"garbage\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nX: " + std::string(5000, 'a') + "\r\n\r\n", 431},
  };
  for (const auto& c : cases) {
    INFO(c.head.substr(0, 80));
    auto r = parse_head(c.head, 4096);
    CHECK(r.status == Parse::refused);
    CHECK(r.http_status == c.status);
  }
  auto gz = parse_head("POST / HTTP/1.1\r\nContent-Encoding: GZIP\r\nContent-Length: 3\r\n\r\n", 4096);
  REQUIRE(gz.status == Parse::complete);
  CHECK(gz.head.encoded);
  auto id = parse_head("POST / HTTP/1.1\r\nContent-Encoding: identity\r\nContent-Length: 3\r\n\r\n", 4096);
  CHECK_FALSE(id.head.encoded);
}

TEST_CASE("wire: the chunked scanner finds the end and counts decoded bytes, in any split") {
  const std::string body = "3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\nNEXT";
  for (size_t step = 1; step <= body.size(); ++step) {
    ChunkedScanner s(100);
    size_t pos = 0, used = 0;
    auto st = ChunkedScanner::Status::more;
    while (st == ChunkedScanner::Status::more && pos < body.size()) {
      st = s.feed(std::string_view(body).substr(pos, step), used);
      pos += used;
    }
    INFO(step);
    CHECK(st == ChunkedScanner::Status::done);
    CHECK(pos == body.size() - 4);
    CHECK(s.decoded() == 13);
  }
}

TEST_CASE("wire: the chunked scanner refuses oversize and malformed bodies as soon as it knows") {
  size_t used = 0;
  ChunkedScanner big(10);
  CHECK(big.feed("b\r\n", used) == ChunkedScanner::Status::too_large);  // 11 > 10, before any data
  ChunkedScanner sum(10);
  CHECK(sum.feed("6\r\naaaaaa\r\n6\r\n", used) == ChunkedScanner::Status::too_large);
  for (const char* bad : {"x\r\n", "3\r\nabcX", "3\n", "-1\r\n", "0\r\nX", "1111111111111111\r\n"}) {
    INFO(bad);
    ChunkedScanner s(1u << 30);
    CHECK(s.feed(bad, used) == ChunkedScanner::Status::bad);
  }
}
