// Runs the real owncast-wm binary as a child process, capturing stdout and stderr.
#pragma once
#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wm::test {

class Process {
 public:
  // Starts `binary` with args; env entries "NAME=value" are added to a clean environment
  // (PATH, HOME, TMPDIR and sanitizer options are kept).
  Process(const std::string& binary, const std::vector<std::string>& args, const std::vector<std::string>& env = {});
  ~Process();  // kills (SIGKILL) if still running

  void signal(int sig);
  int wait();  // exit code, or 128 + signal number
  // Polls (waitpid WNOHANG) until the process has exited, up to timeout_ms: its wait() result,
  // or nullopt while it still runs.
  std::optional<int> wait_exit(int timeout_ms);
  bool running();
  std::string out();  // everything captured so far
  std::string err();
  // Waits until stdout contains `text` (or the process exits / timeout_ms passes).
  bool wait_for_output(const std::string& text, int timeout_ms = 30000);
  // Port from "listening on http://127.0.0.1:PORT" (waits for it); 0 if it never appears.
  int port(int timeout_ms = 30000);

 private:
  void pump(int fd, std::string* sink);
  pid_t pid_ = -1;
  int status_ = -1;
  std::mutex mu_;
  std::string out_, err_;
  std::thread out_thread_, err_thread_;
};

// Runs to completion and returns {exit code, stdout, stderr}.
struct Outcome {
  int code;
  std::string out, err;
};
Outcome run_binary(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

}  // namespace wm::test
