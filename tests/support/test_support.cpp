#include "support/test_support.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace wm::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/owncast-wm-test-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string source_dir() { return WM_SOURCE_DIR; }

std::string shared_dir() { return (fs::path(WM_SOURCE_DIR) / "tests" / "data").string(); }

std::string fixture_dir() { return shared_dir() + "/fixtures/owncast"; }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << data;
}

std::vector<std::pair<std::string, std::string>> webhook_fixtures() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : fs::directory_iterator(fixture_dir())) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    out.emplace_back(e.path().filename().string(), read_file(e.path().string()));
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) throw std::runtime_error("no fixtures in " + fixture_dir());
  return out;
}

}  // namespace wm::test
