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

// Renders rows under a header, columns separated by two spaces and padded by display width; the
// last column is not padded (no trailing blanks). Control characters in cells (a newline in a
// message text) become spaces so one row stays one line. Rows shorter than the header are
// padded with empty cells.
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

}  // namespace smsgw::ctl
