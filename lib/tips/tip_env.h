// Crash points of the tip state machine, injected the way leveldb injects an Env: the tip service
// calls env.crash_after(step, tip) right after each step listed in tip_service.h ("Crash
// points"). The production default (TipEnv itself) does nothing and returns false.
//
// Tests: stop_at_step() makes the worker stop there as if the process had died (the tip stays as
// committed; recover() in a new TipService resumes it). The kill -9 tests of the real binary
// (tests/integration/tip_crash_test.cpp) use crash_env_from_environment(), the only code that
// reads OWNCAST_WM_TEST_CRASH_AFTER (tip_env.cpp): app.cpp passes its result (nullptr when the
// variable is unset) into TipServiceOptions::env.
#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace wm::tips {

class TipEnv {
 public:
  virtual ~TipEnv() = default;
  // true: stop working on this tip now (a simulated crash). May also never return (SIGKILL).
  virtual bool crash_after(std::string_view /*step*/, const std::string& /*tip_id*/) { return false; }
};

std::shared_ptr<TipEnv> stop_at_step(std::string step);
// OWNCAST_WM_TEST_CRASH_AFTER=<step>: an env whose crash point SIGKILLs the whole process at
// that step (logged loudly at start). nullptr when the variable is unset or empty.
std::shared_ptr<TipEnv> crash_env_from_environment();

}  // namespace wm::tips
