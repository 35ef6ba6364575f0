#pragma once
// The one rule for the characters a stored text may hold: recipients' names, units and titles,
// group and template descriptions, message texts, template bodies and parameter values. Every
// door that stores such a text (the API, the CSV import, template files) calls it, so a name
// like "\x1b[2J" or a NUL that a C client would cut the text at never reaches the database, a
// log line or an operator's terminal.

#include <optional>
#include <string>
#include <string_view>

namespace smsgw {

enum class Newlines {
  reject,  // one-line fields: names, units, titles, descriptions, parameter values
  allow,   // message texts and template bodies, where a line break is part of the message
};

// nullopt when `utf8` holds no control character; otherwise the message for the field's error,
// e.g. "must not contain control characters (found U+001B at character 3)", characters counted
// from 1. Control characters: C0 U+0000-U+001F (U+000A allowed with Newlines::allow; tab and
// CR never), DEL U+007F and C1 U+0080-U+009F. Everything else passes, including the bidi
// controls, which are legitimate in right-to-left text (smsgwctl escapes them on output).
// A byte that is not well-formed UTF-8 counts as one character and is not judged here.
std::optional<std::string> control_character_problem(std::string_view utf8,
                                                     Newlines newlines = Newlines::reject);

}  // namespace smsgw
