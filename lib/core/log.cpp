#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/timeutil.h"

namespace wm::log {

namespace {
std::atomic<Format> g_format{Format::text};
std::atomic<Level> g_min{Level::info};
std::mutex g_mu;

const char* name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}
}  // namespace

void set_format(Format f) { g_format = f; }
void set_min_level(Level l) { g_min = l; }

void write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (level < g_min.load()) return;
  std::string line;
  std::string ts = timeutil::format_rfc3339(timeutil::now_ns() / 1000000 * 1000000);
  if (g_format.load() == Format::json) {
    nlohmann::json j;
    j["ts"] = ts;
    j["level"] = name(level);
    j["msg"] = std::string(msg);
    for (const auto& [k, v] : fields) j[std::string(k)] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = ts + " " + name(level) + " " + std::string(msg);
    for (const auto& [k, v] : fields) {
      line += " ";
      line += k;
      line += "=";
      bool quote = v.find_first_of(" \"=") != std::string::npos || v.empty();
      line += quote ? nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : v;
    }
  }
  line += '\n';
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace wm::log
