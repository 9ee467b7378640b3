#include "tips/tip_env.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "core/log.h"

namespace wm::tips {

namespace {

class StopAtStep : public TipEnv {
 public:
  explicit StopAtStep(std::string step) : step_(std::move(step)) {}
  bool crash_after(std::string_view step, const std::string&) override { return step == step_; }

 private:
  std::string step_;
};

class KillAtStep : public TipEnv {
 public:
  explicit KillAtStep(std::string step) : step_(std::move(step)) {}
  bool crash_after(std::string_view step, const std::string& id) override {
    if (step != step_) return false;
    log::warn("tip: OWNCAST_WM_TEST_CRASH_AFTER: killing the process", {{"tip", id}, {"after", step_}});
    ::kill(::getpid(), SIGKILL);
    for (;;) ::pause();  // never continue to the next side effect
  }

 private:
  std::string step_;
};

}  // namespace

std::shared_ptr<TipEnv> stop_at_step(std::string step) { return std::make_shared<StopAtStep>(std::move(step)); }

std::shared_ptr<TipEnv> crash_env_from_environment() {
  const char* e = std::getenv("OWNCAST_WM_TEST_CRASH_AFTER");
  if (!e || !*e) return nullptr;
  log::warn("tip: OWNCAST_WM_TEST_CRASH_AFTER is set: this process kills itself (SIGKILL) at a tip step; for tests only",
            {{"step", e}});
  return std::make_shared<KillAtStep>(e);
}

}  // namespace wm::tips
