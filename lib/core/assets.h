// Static files compiled into the binary (ui/ and plugin.yml).
#pragma once
#include <optional>
#include <string_view>

namespace wm::assets {

struct Asset {
  const char* path;  // relative to the source root, e.g. "ui/admin/index.html"
  std::string_view data;
};

// Null-terminated table (last entry has path == nullptr).
const Asset* all();

// Content of an embedded file, if present.
std::optional<std::string_view> find(std::string_view path);

// MIME type from a file name's extension.
std::string_view content_type(std::string_view path);

}  // namespace wm::assets
