#pragma once
// Terminal column arithmetic for smsgwctl's tables. Names, units and message texts are mostly
// Chinese: a CJK ideograph or a full-width form occupies two terminal columns, so padding by
// byte or code-point count would misalign every column after it.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::ctl {

// Columns one code point occupies: 0 for control characters, combining marks and zero-width
// characters, 2 for East Asian Wide (W) and Fullwidth (F) characters, 1 otherwise. Ambiguous
// width characters (A) count as 1, as in a terminal configured for a non-CJK locale.
int code_point_width(char32_t cp) noexcept;

// Columns the UTF-8 text occupies. A byte that does not start a well-formed sequence counts as
// one column (terminals show it as U+FFFD), so malformed input never makes a table shrink.
std::size_t display_width(std::string_view utf8) noexcept;

// The longest prefix that fits in max_columns, never splitting a code point. If the text had
// to be shortened, the prefix ends in "..." (included in max_columns).
std::string truncate_to_width(std::string_view utf8, std::size_t max_columns);

// Appends spaces up to `columns` display columns (no-op if already that wide or wider).
std::string pad_to_width(std::string_view utf8, std::size_t columns);

// Text from the server made safe to write to a terminal, so a recipient named "\x1b[2J" cannot
// clear the screen or recolour what follows, and "\u202e" cannot reverse a line. Each of these
// becomes a visible escape of plain ASCII:
// - C0 controls U+0000-U+001F and DEL U+007F as "\x1b", "\x09", "\x7f" (lower-case hex);
//   a newline is kept when `keep_newlines` (multi-line values: message texts, template bodies,
//   error details), else escaped as "\x0a";
// - C1 controls U+0080-U+009F and the bidi embeddings, overrides and isolates U+202A-U+202E,
//   U+2066-U+2069 as "\u0085", "\u202e";
// - a byte that does not start well-formed UTF-8 as "\xff" (a terminal may read a stray 0x9b as
//   CSI).
// Backslashes are not doubled: the escapes are for eyes, not for parsing back (use --json for
// that). Idempotent: the output contains nothing that would be escaped again.
std::string escape_controls(std::string_view text, bool keep_newlines = false);

// Renders rows under a header, columns separated by two spaces and padded by display width; the
// last column is not padded (no trailing blanks). A newline in a cell (a message text) becomes a
// space so one row stays one line; every other control character is escaped as by
// escape_controls, and widths are those of the escaped text. Rows shorter than the header are
// padded with empty cells.
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

}  // namespace smsgw::ctl
