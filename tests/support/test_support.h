// Helpers shared by the tests: temporary directories, fixture files, free ports.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace wm::test {

// A fresh directory under $TMPDIR, removed (recursively) when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string source_dir();                   // repository root
std::string shared_dir();                   // tests/data: fixtures and vectors kept in the repository
std::string fixture_dir();                  // tests/data/fixtures/owncast
std::string read_file(const std::string& path);  // throws on error
void write_file(const std::string& path, const std::string& data);
// Every webhook fixture body: file name -> bytes (only *.json directly in fixture_dir()).
std::vector<std::pair<std::string, std::string>> webhook_fixtures();

}  // namespace wm::test
