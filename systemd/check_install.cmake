# CTest install_layout: `cmake --install` into a staging DESTDIR, twice. Checks that every file
# lands in its FHS place and that a second install (an upgrade) keeps the config and the
# calendar files ops may have edited. Needs smsgwd and smsgwctl built.
foreach(var BUILD_DIR CONFIG_DIR UNIT_DIR PREFIX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_install.cmake: -D${var}= is required")
  endif()
endforeach()

string(RANDOM LENGTH 8 suffix)
set(stage "${BUILD_DIR}/install-check-${suffix}")
file(REMOVE_RECURSE "${stage}")

function(staged_install)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env DESTDIR=${stage}
                          ${CMAKE_COMMAND} --install ${BUILD_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}")
  endif()
endfunction()

function(expect_file path)
  if(NOT EXISTS "${stage}${path}")
    message(FATAL_ERROR "missing after install: ${path}")
  endif()
endfunction()

if(IS_ABSOLUTE "${UNIT_DIR}")
  set(unit "${UNIT_DIR}/smsgwd.service")
else()
  set(unit "${PREFIX}/${UNIT_DIR}/smsgwd.service")
endif()

staged_install()
expect_file("${PREFIX}/sbin/smsgwd")
expect_file("${PREFIX}/bin/smsgwctl")
expect_file("${unit}")
expect_file("${PREFIX}/share/smsgw/templates/meeting-notice.toml")
expect_file("${PREFIX}/share/smsgw/console/index.html")
expect_file("${PREFIX}/share/smsgw/console/app.js")
expect_file("${PREFIX}/share/smsgw/console/app.css")
expect_file("${PREFIX}/share/doc/smsgw/smsgw.example.toml")
expect_file("${PREFIX}/share/smsgw/calendar/2026.toml")
expect_file("${PREFIX}/share/doc/smsgw/operations.md")
expect_file("${CONFIG_DIR}/smsgw.toml")
expect_file("${CONFIG_DIR}/calendar/2025.toml")

file(READ "${stage}${unit}" unit_text)
if(NOT unit_text MATCHES "ExecStart=${PREFIX}/sbin/smsgwd --config ${CONFIG_DIR}/smsgw.toml")
  message(FATAL_ERROR "unexpected ExecStart in ${unit}:\n${unit_text}")
endif()
file(READ "${stage}${CONFIG_DIR}/smsgw.toml" config_text)
if(NOT config_text MATCHES "assets_dir = \"${PREFIX}/share/smsgw/console\"")
  message(FATAL_ERROR "the installed example config does not point at the installed console")
endif()
if(NOT config_text MATCHES "templates_dir = \"${PREFIX}/share/smsgw/templates\"")
  message(FATAL_ERROR "installed smsgw.toml does not point at the installed templates")
endif()
if(NOT IS_DIRECTORY "${stage}${PREFIX}/share/smsgw/templates" OR
   EXISTS "${stage}${PREFIX}/share/smsgw/templates/README.md")
  message(FATAL_ERROR "templates folder should hold only the *.toml templates")
endif()

# An upgrade: ops edited the config and a calendar year; both must survive.
file(WRITE "${stage}${CONFIG_DIR}/smsgw.toml" "# edited by ops\n")
file(WRITE "${stage}${CONFIG_DIR}/calendar/2025.toml" "# corrected by ops\n")
file(REMOVE "${stage}${CONFIG_DIR}/calendar/2024.toml")
staged_install()
file(READ "${stage}${CONFIG_DIR}/smsgw.toml" config_text)
file(READ "${stage}${CONFIG_DIR}/calendar/2025.toml" calendar_text)
if(NOT config_text STREQUAL "# edited by ops\n" OR NOT calendar_text STREQUAL "# corrected by ops\n")
  message(FATAL_ERROR "a second install overwrote files ops own")
endif()
expect_file("${CONFIG_DIR}/calendar/2024.toml")  # a missing year is (re)installed

file(REMOVE_RECURSE "${stage}")
message(STATUS "install layout OK")
