#include "core/json_limits.h"

#include <string>
#include <utility>
#include <vector>

namespace wm::json_limits {

namespace {

// Forwards SAX events to nlohmann's own DOM builder and stops the parse (returns false) at the
// first container deeper than the limit.
template <class J>
class LimitedSax {
 public:
  LimitedSax(J& root, size_t max_depth) : dom_(root, false), max_(max_depth) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(typename J::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(typename J::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(typename J::number_float_t v, const typename J::string_t& s) {
    return dom_.number_float(v, s);
  }
  bool string(typename J::string_t& v) { return dom_.string(v); }
  bool binary(typename J::binary_t& v) { return dom_.binary(v); }
  bool key(typename J::string_t& k) { return dom_.key(k); }
  bool start_object(std::size_t n) { return enter() && dom_.start_object(n); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return enter() && dom_.start_array(n); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& ex) {
    message_ = ex.what();
    return false;
  }

  bool too_deep() const { return too_deep_; }
  const std::string& message() const { return message_; }

 private:
  bool enter() {
    if (++depth_ <= max_) return true;
    too_deep_ = true;
    return false;
  }
  nlohmann::detail::json_sax_dom_parser<J> dom_;
  size_t max_;
  size_t depth_ = 0;
  bool too_deep_ = false;
  std::string message_;
};

template <class J>
Result<J> parse_with_limit(std::string_view text, size_t max_depth) {
  J root;
  LimitedSax<J> sax(root, max_depth);
  bool ok = false;
  try {
    ok = J::sax_parse(text.begin(), text.end(), &sax);
  } catch (const std::exception& e) {
    return Error{"invalid_json", std::string("JSON could not be parsed: ") + e.what()};
  }
  if (ok) return root;
  if (sax.too_deep())
    return Error{"too_deep", "JSON nests objects/arrays deeper than " + std::to_string(max_depth) + " levels"};
  return Error{"invalid_json", sax.message().empty() ? std::string("not valid JSON") : sax.message()};
}

}  // namespace

Result<nlohmann::json> parse(std::string_view text, size_t max_depth) {
  return parse_with_limit<nlohmann::json>(text, max_depth);
}

Result<nlohmann::ordered_json> parse_ordered(std::string_view text, size_t max_depth) {
  return parse_with_limit<nlohmann::ordered_json>(text, max_depth);
}

nlohmann::json parse_or_discarded(std::string_view text, size_t max_depth) {
  auto r = parse(text, max_depth);
  if (!r) return nlohmann::json(nlohmann::json::value_t::discarded);
  return std::move(*r);
}

size_t depth(const nlohmann::json& j, size_t stop_at) {
  // Breadth-first by level: each level's containers, so no recursion and no per-path stack.
  size_t d = 0;
  std::vector<const nlohmann::json*> level{&j};
  while (!level.empty() && d < stop_at) {
    std::vector<const nlohmann::json*> next;
    bool any = false;
    for (const auto* v : level) {
      if (!v->is_structured()) continue;
      any = true;
      for (const auto& child : *v)
        if (child.is_structured()) next.push_back(&child);
    }
    if (!any) break;
    ++d;
    level = std::move(next);
  }
  return d;
}

}  // namespace wm::json_limits
