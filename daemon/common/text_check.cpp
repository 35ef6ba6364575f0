#include "common/text_check.hpp"

#include <cstdio>

#include "common/utf8.hpp"

namespace smsgw {

std::optional<std::string> control_character_problem(std::string_view utf8, Newlines newlines) {
  std::size_t character = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const Utf8Char d = decode_utf8(utf8, i);
    i += d.length;
    ++character;
    if (!d.valid) continue;
    const char32_t cp = d.cp;
    const bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
    if (!control || (cp == '\n' && newlines == Newlines::allow)) continue;
    char found[16];
    std::snprintf(found, sizeof found, "U+%04X", static_cast<unsigned>(cp));
    std::string message = std::string("must not contain control characters (found ") + found +
                          " at character " + std::to_string(character);
    // Windows clients send CRLF; say what to send instead.
    if (cp == '\r' && newlines == Newlines::allow) message += "; end lines with \\n alone";
    return message + ")";
  }
  return std::nullopt;
}

}  // namespace smsgw
