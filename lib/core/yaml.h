// A reader for the small YAML subset our own descriptor (plugin.yml) uses: nested block
// mappings, block sequences of scalars or mappings, plain / single- / double-quoted scalars,
// comments. Scalars stay strings except true/false (booleans). Anything else is an error.
#pragma once
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace wm::yaml {

Result<nlohmann::json> parse(std::string_view text);

}  // namespace wm::yaml
