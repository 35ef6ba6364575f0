#pragma once
// Shared by every harness: a property check that libFuzzer records as a crash, and small
// helpers for splitting an input. Each harness is one LLVMFuzzerTestOneInput over one target;
// scripts/fuzz.sh builds and runs them (docs/security.md, "Fuzzing").

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

// abort() rather than assert(): it fires whatever NDEBUG says, and libFuzzer saves the input of
// any deadly signal as crash-<sha1>, which then becomes a regression input.
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "property violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

#define FUZZ_FAIL(message)                                                         \
  do {                                                                             \
    std::fprintf(stderr, "property violated: %s (%s:%d)\n", std::string(message).c_str(), \
                 __FILE__, __LINE__);                                              \
    std::abort();                                                                  \
  } while (false)

namespace smsgw::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The text up to the first '\n' (removed from `in`), for inputs of the form "selector\nrest".
inline std::string_view take_line(std::string_view& in) {
  const std::size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  return line;
}

// Lines as a text editor counts them: CRLF, LF and CR each end one; a last line without a
// terminator still counts. 1 for an empty input (an editor shows one empty line).
inline std::size_t count_lines(std::string_view s) {
  std::size_t lines = 1;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n'))) ++lines;
  }
  return lines;
}

// No control characters: a problem is one line, and safe to print on a terminal.
inline bool printable_line(std::string_view s) {
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) return false;
  }
  return true;
}

// "file:LINE:..." -> LINE, 0 when the message has no line after `source`.
inline std::size_t line_of_problem(std::string_view problem, std::string_view source) {
  if (problem.substr(0, source.size()) != source) return 0;
  std::string_view rest = problem.substr(source.size());
  if (rest.empty() || rest[0] != ':') return 0;
  std::size_t n = 0, i = 1;
  for (; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i) n = n * 10 + (rest[i] - '0');
  return i > 1 ? n : 0;
}

}  // namespace smsgw::fuzz
