// Small text helpers shared by every module.
#pragma once
#include <string>

namespace wm::text {

// `s` without its trailing '/' characters ("http://h:8080/" -> "http://h:8080"; "/" -> "").
inline std::string without_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace wm::text
