#pragma once
// The official calendar files shipped with this version (config/calendar/<year>.toml, listed
// in SMSGW_CALENDAR_YEARS in the top-level CMakeLists.txt), compiled in as text by
// cmake/EmbedCalendar.cmake. They are parsed at start-up by the same parser as the files in
// daemon.calendar_dir, so there is one format and a missing or mistyped calendar_dir can never
// leave the daemon without the years it was released with.

#include <span>
#include <string_view>

namespace smsgw::calendar {

struct BuiltinYearFile {
  int year = 0;
  std::string_view path;  // "config/calendar/2026.toml", for error messages
  std::string_view text;  // the file's bytes
};

// Ascending by year.
std::span<const BuiltinYearFile> builtin_year_files() noexcept;

}  // namespace smsgw::calendar
