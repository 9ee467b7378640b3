// Bounded polling for tests: wait for a condition with a deadline, never a sleep as an assertion.
#pragma once
#include <chrono>
#include <thread>

namespace wm::test {

// Calls fetch() every interval_ms until pred(value) holds or timeout_ms passed; returns the last
// value (the caller asserts on it, so a timeout fails with what was last seen).
template <typename Fetch, typename Pred>
auto poll_until(Fetch fetch, Pred pred, int timeout_ms = 15000, int interval_ms = 100) {
  auto last = fetch();
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred(last) && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    last = fetch();
  }
  return last;
}

}  // namespace wm::test
