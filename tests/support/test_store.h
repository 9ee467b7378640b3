// A real LMDB store in a test's directory (catch2: the test fails when it cannot be opened).
#pragma once
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "store/store.h"

namespace wm::test {

inline std::unique_ptr<store::Store> open_store(const std::string& dir) {
  store::Options o;
  o.dir = dir;
  auto s = store::Store::open(o);
  INFO((s ? std::string() : s.error().message));
  REQUIRE(s);
  return std::move(*s);
}

}  // namespace wm::test
