# cmake -DSOURCE_DIR=<repo> -DYEARS=2024,2025,2026 -DOUTPUT=<file.cpp> -P EmbedCalendar.cmake
#
# Writes a C++ file holding the text of config/calendar/<year>.toml for each listed year as a
# raw string literal (daemon/calendar/builtin_years.hpp). Run at build time by
# daemon/calendar/CMakeLists.txt, which lists the files as dependencies: editing one rebuilds it.
foreach(var SOURCE_DIR YEARS OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "EmbedCalendar.cmake: -D${var}= is required")
  endif()
endforeach()

string(REPLACE "," ";" years "${YEARS}")
# A raw string ends at )delimiter"; the check below makes sure no file contains that.
set(delimiter "smsgw_calendar")
set(entries "")
foreach(year IN LISTS years)
  set(relative "config/calendar/${year}.toml")
  file(READ "${SOURCE_DIR}/${relative}" text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${relative} contains )${delimiter}\"; change the delimiter in ${CMAKE_CURRENT_LIST_FILE}")
  endif()
  string(APPEND entries "    {${year}, \"${relative}\",\n     R\"${delimiter}(${text})${delimiter}\"},\n")
endforeach()

file(WRITE "${OUTPUT}.tmp"
"// Generated at build time by cmake/EmbedCalendar.cmake from config/calendar/; do not edit.
#include \"calendar/builtin_years.hpp\"

namespace smsgw::calendar {
namespace {

constexpr BuiltinYearFile kFiles[] = {
${entries}};

}  // namespace

std::span<const BuiltinYearFile> builtin_year_files() noexcept { return kFiles; }

}  // namespace smsgw::calendar
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
