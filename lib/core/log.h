// Logging to stderr as text or JSON lines. Callers never pass secrets.
#pragma once
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace wm::log {

enum class Level { debug, info, warn, error };
enum class Format { text, json };

void set_format(Format f);
void set_min_level(Level l);

using Field = std::pair<std::string_view, std::string>;
void write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void info(std::string_view msg, std::initializer_list<Field> f = {}) { write(Level::info, msg, f); }
inline void warn(std::string_view msg, std::initializer_list<Field> f = {}) { write(Level::warn, msg, f); }
inline void error(std::string_view msg, std::initializer_list<Field> f = {}) { write(Level::error, msg, f); }
inline void debug(std::string_view msg, std::initializer_list<Field> f = {}) { write(Level::debug, msg, f); }

}  // namespace wm::log
