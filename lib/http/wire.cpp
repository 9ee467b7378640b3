#include "http/wire.h"

#include <strings.h>

namespace wm::http::wire {

namespace {

bool ieq(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HeadResult refuse(int status, std::string code, std::string message) {
  HeadResult r;
  r.status = Parse::refused;
  r.http_status = status;
  r.code = std::move(code);
  r.message = std::move(message);
  return r;
}

// What the framing headers said, before they are combined.
struct Framing {
  int content_lengths = 0;
  std::string_view content_length;
  int transfer_encodings = 0;
  std::string_view transfer_encoding;
};

// Applies one header line (CRLF removed). Returns false with `r` set when it is refused.
bool header(std::string_view line, Head& h, Framing& f, HeadResult& r) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return true;  // cpp-httplib skips it as well
  std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
  const bool framing = ieq(name, "Content-Length") || ieq(name, "Transfer-Encoding") ||
                       ieq(name, "Content-Encoding") || ieq(name, "Expect");
  if (!framing || value.empty()) return true;
  // cpp-httplib URL-decodes header values; these never legitimately contain '%'.
  if (value.find('%') != std::string_view::npos) {
    r = refuse(400, "bad_request", std::string(name) + " header is not valid");
    return false;
  }
  if (ieq(name, "Content-Length")) {
    if (f.content_lengths++ && value != f.content_length) {
      r = refuse(400, "bad_request", "conflicting Content-Length headers");
      return false;
    }
    f.content_length = value;
  } else if (ieq(name, "Transfer-Encoding")) {
    ++f.transfer_encodings;
    f.transfer_encoding = value;
  } else if (ieq(name, "Content-Encoding")) {
    h.encoded = h.encoded || !ieq(value, "identity");
  } else {
    h.expect_continue = ieq(value, "100-continue");
  }
  return true;
}

bool request_line(std::string_view line, Head& h) {
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  h.method = std::string(line.substr(0, sp1));
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  h.path = std::string(target.substr(0, target.find_first_of("?#")));
  return true;
}

bool combine(Head& h, const Framing& f, HeadResult& r) {
  if (f.transfer_encodings) {
    if (f.content_lengths) {
      r = refuse(400, "bad_request", "a request may not have both Content-Length and Transfer-Encoding");
      return false;
    }
    if (f.transfer_encodings > 1 || !ieq(f.transfer_encoding, "chunked")) {
      r = refuse(501, "unsupported_transfer_encoding",
                 "only 'Transfer-Encoding: chunked' is supported; send the body uncompressed");
      return false;
    }
    h.chunked = true;
  }
  if (f.content_lengths) {
    std::string_view v = f.content_length;
    if (v.size() > 18 || v.find_first_not_of("0123456789") != std::string_view::npos) {
      r = refuse(400, "bad_request", "Content-Length is not a number");
      return false;
    }
    h.content_length = 0;
    for (char c : v) h.content_length = h.content_length * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

HeadResult parse_head(std::string_view buf, size_t max_head) {
  HeadResult r;
  Framing f;
  size_t pos = 0;
  bool first = true;
  for (;;) {
    auto nl = buf.find('\n', pos);
    if (nl == std::string_view::npos || nl + 1 > max_head) {
      if (buf.size() > max_head) return refuse(431, "headers_too_large", "request headers are too large");
      return r;  // incomplete
    }
    std::string_view line = buf.substr(pos, nl + 1 - pos);
    pos = nl + 1;
    const bool crlf = line.size() >= 2 && line[line.size() - 2] == '\r';
    if (first) {
      first = false;
      if (!crlf || !request_line(line.substr(0, line.size() - 2), r.head))
        return refuse(400, "bad_request", "malformed request line");
      continue;
    }
    if (line == "\r\n") break;
    if (!crlf) continue;  // cpp-httplib skips lines without CRLF
    if (!header(line.substr(0, line.size() - 2), r.head, f, r)) return r;
  }
  if (!combine(r.head, f, r)) return r;
  r.head.size = pos;
  r.status = Parse::complete;
  return r;
}

ChunkedScanner::Status ChunkedScanner::feed(std::string_view data, size_t& used) {
  used = 0;
  while (used < data.size()) {
    const char c = data[used];
    switch (state_) {
      case State::size: {
        ++used;
        if (c != '\n') {
          if (line_.size() >= 256) return Status::bad;
          line_ += c;
          break;
        }
        if (line_.empty() || line_.back() != '\r') return Status::bad;
        line_.pop_back();
        std::string_view digits = std::string_view(line_).substr(0, line_.find(';'));
        if (digits.empty() || digits.size() > 15 || digits.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos)
          return Status::bad;
        if (line_.find_first_of("\r\n") != std::string::npos) return Status::bad;
        remaining_ = std::stoull(std::string(digits), nullptr, 16);
        line_.clear();
        if (remaining_ > limit_ - decoded_) return Status::too_large;
        decoded_ += remaining_;
        state_ = remaining_ == 0 ? State::last_cr : State::data;
        break;
      }
      case State::data: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size() - used));
        used += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::data_cr;
        break;
      }
      case State::data_cr:
      case State::last_cr:
        ++used;
        if (c != '\r') return Status::bad;
        state_ = state_ == State::data_cr ? State::data_lf : State::last_lf;
        break;
      case State::data_lf:
        ++used;
        if (c != '\n') return Status::bad;
        state_ = State::size;
        break;
      case State::last_lf:
        ++used;
        return c == '\n' ? Status::done : Status::bad;
    }
  }
  return Status::more;
}

}  // namespace wm::http::wire
