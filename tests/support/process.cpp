#include "support/process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace wm::test {

Process::Process(const std::string& binary, const std::vector<std::string>& args, const std::vector<std::string>& env) {
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> envs = env;
  for (const char* keep : {"PATH", "HOME", "TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* v = std::getenv(keep)) envs.push_back(std::string(keep) + "=" + v);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    close(out[1]);
    close(err[1]);
    std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : envs) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_thread_ = std::thread([this, fd = out[0]] { pump(fd, &out_); });
  err_thread_ = std::thread([this, fd = err[0]] { pump(fd, &err_); });
}

Process::~Process() {
  if (running()) signal(SIGKILL);
  wait();
}

void Process::pump(int fd, std::string* sink) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    std::lock_guard<std::mutex> lock(mu_);
    sink->append(buf, static_cast<size_t>(n));
  }
  close(fd);
}

void Process::signal(int sig) {
  if (pid_ > 0 && status_ < 0) kill(pid_, sig);
}

int Process::wait() {
  if (status_ < 0 && pid_ > 0) {
    int st = 0;
    waitpid(pid_, &st, 0);
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  if (out_thread_.joinable()) out_thread_.join();
  if (err_thread_.joinable()) err_thread_.join();
  return status_;
}

std::optional<int> Process::wait_exit(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return wait();
}

bool Process::running() {
  if (status_ >= 0 || pid_ <= 0) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

std::string Process::out() {
  std::lock_guard<std::mutex> lock(mu_);
  return out_;
}

std::string Process::err() {
  std::lock_guard<std::mutex> lock(mu_);
  return err_;
}

bool Process::wait_for_output(const std::string& text, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (out().find(text) != std::string::npos) return true;
    if (!running()) return out().find(text) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

int Process::port(int timeout_ms) {
  const std::string marker = "listening on http://127.0.0.1:";
  if (!wait_for_output(marker, timeout_ms)) return 0;
  std::string o = out();
  return std::atoi(o.c_str() + o.find(marker) + marker.size());
}

Outcome run_binary(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  Process p(WM_BINARY, args, env);
  int code = p.wait();
  return {code, p.out(), p.err()};
}

}  // namespace wm::test
