// Error and Result<T>: how modules report failure at their edges.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace wm {

struct Error {
  std::string code;     // machine-readable, e.g. "invalid_config"
  std::string message;  // one human sentence
  std::string field = {};  // optional: the request member at fault ("tip-min"), so a form can mark it
};

// A value or an error. E is Error at module edges; a module with a richer error type (e.g. the
// Open Payments client's OpError) uses its own E.
template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(implicit)
  Result(E error) : v_(std::move(error)) {}          // NOLINT(implicit)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// Result<void>
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace wm
