#include "display_width.hpp"

#include "common/utf8.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace smsgw::ctl {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// East Asian Width W and F blocks (Unicode 15 EastAsianWidth.txt, coalesced to blocks that are
// wide throughout; the few wide emoji in the 0x2xxx blocks are listed individually). Sorted.
constexpr std::array kWide{
    Range{0x1100, 0x115F},   // Hangul Jamo initial consonants
    Range{0x231A, 0x231B},   Range{0x2329, 0x232A}, Range{0x23E9, 0x23EC}, Range{0x23F0, 0x23F0},
    Range{0x23F3, 0x23F3},   Range{0x25FD, 0x25FE}, Range{0x2614, 0x2615}, Range{0x2648, 0x2653},
    Range{0x267F, 0x267F},   Range{0x2693, 0x2693}, Range{0x26A1, 0x26A1}, Range{0x26AA, 0x26AB},
    Range{0x26BD, 0x26BE},   Range{0x26C4, 0x26C5}, Range{0x26CE, 0x26CE}, Range{0x26D4, 0x26D4},
    Range{0x26EA, 0x26EA},   Range{0x26F2, 0x26F3}, Range{0x26F5, 0x26F5}, Range{0x26FA, 0x26FA},
    Range{0x26FD, 0x26FD},   Range{0x2705, 0x2705}, Range{0x270A, 0x270B}, Range{0x2728, 0x2728},
    Range{0x274C, 0x274C},   Range{0x274E, 0x274E}, Range{0x2753, 0x2755}, Range{0x2757, 0x2757},
    Range{0x2795, 0x2797},   Range{0x27B0, 0x27B0}, Range{0x27BF, 0x27BF}, Range{0x2B1B, 0x2B1C},
    Range{0x2B50, 0x2B50},   Range{0x2B55, 0x2B55},
    Range{0x2E80, 0x303E},   // CJK radicals, Kangxi, ideographic description, CJK punctuation 、。【】
    Range{0x3041, 0x33FF},   // kana, Bopomofo, Hangul compatibility jamo, enclosed CJK, CJK compat
    Range{0x3400, 0x4DBF},   // CJK extension A
    Range{0x4E00, 0x9FFF},   // CJK unified ideographs
    Range{0xA000, 0xA4CF},   // Yi
    Range{0xA960, 0xA97F},   // Hangul Jamo extended A
    Range{0xAC00, 0xD7A3},   // Hangul syllables
    Range{0xF900, 0xFAFF},   // CJK compatibility ideographs
    Range{0xFE10, 0xFE19},   // vertical forms
    Range{0xFE30, 0xFE6F},   // CJK compatibility forms, small form variants
    Range{0xFF01, 0xFF60},   // full-width ASCII variants ＡＢＣ１２３（）
    Range{0xFFE0, 0xFFE6},   // full-width signs ￥
    Range{0x16FE0, 0x16FE4}, Range{0x17000, 0x18CFF}, Range{0x1B000, 0x1B2FF},
    Range{0x1F004, 0x1F004}, Range{0x1F0CF, 0x1F0CF}, Range{0x1F18E, 0x1F18E},
    Range{0x1F191, 0x1F19A}, Range{0x1F200, 0x1F251}, Range{0x1F260, 0x1F265},
    Range{0x1F300, 0x1F320}, Range{0x1F32D, 0x1F335}, Range{0x1F337, 0x1F37C},
    Range{0x1F37E, 0x1F393}, Range{0x1F3A0, 0x1F3CA}, Range{0x1F3CF, 0x1F3D3},
    Range{0x1F3E0, 0x1F3F0}, Range{0x1F3F4, 0x1F3F4}, Range{0x1F3F8, 0x1F43E},
    Range{0x1F440, 0x1F440}, Range{0x1F442, 0x1F4FC}, Range{0x1F4FF, 0x1F53D},
    Range{0x1F54B, 0x1F54E}, Range{0x1F550, 0x1F567}, Range{0x1F57A, 0x1F57A},
    Range{0x1F595, 0x1F596}, Range{0x1F5A4, 0x1F5A4}, Range{0x1F5FB, 0x1F64F},
    Range{0x1F680, 0x1F6C5}, Range{0x1F6CC, 0x1F6CC}, Range{0x1F6D0, 0x1F6D2},
    Range{0x1F6D5, 0x1F6D7}, Range{0x1F6DC, 0x1F6DF}, Range{0x1F6EB, 0x1F6EC},
    Range{0x1F6F4, 0x1F6FC}, Range{0x1F7E0, 0x1F7EB}, Range{0x1F7F0, 0x1F7F0},
    Range{0x1F90C, 0x1F93A}, Range{0x1F93C, 0x1F945}, Range{0x1F947, 0x1F9FF},
    Range{0x1FA70, 0x1FAFF},
    Range{0x20000, 0x2FFFD},  // CJK extensions B-F, compatibility supplement
    Range{0x30000, 0x3FFFD},  // CJK extensions G-H
};

// Characters that take no column of their own.
constexpr std::array kZero{
    Range{0x0300, 0x036F},  // combining diacritical marks
    Range{0x0483, 0x0489}, Range{0x0591, 0x05BD}, Range{0x0610, 0x061A}, Range{0x064B, 0x065F},
    Range{0x1160, 0x11FF},  // Hangul medial vowels and final consonants join the initial
    Range{0x200B, 0x200F},  // zero-width space/joiners, direction marks
    Range{0x2028, 0x202E}, Range{0x2060, 0x2064},
    Range{0x20D0, 0x20FF},  // combining marks for symbols
    Range{0x302A, 0x302D},  // ideographic tone marks (inside the wide 0x2E80 block: checked first)
    Range{0x3099, 0x309A},  // kana voiced sound marks (combining)
    Range{0xFE00, 0xFE0F},  // variation selectors
    Range{0xFE20, 0xFE2F},  // combining half marks
    Range{0xFEFF, 0xFEFF},  // byte order mark
    Range{0xE0000, 0xE0FFF},
};

template <std::size_t N>
bool in(const std::array<Range, N>& table, char32_t cp) noexcept {
  auto it = std::upper_bound(table.begin(), table.end(), cp,
                             [](char32_t c, const Range& r) { return c < r.first; });
  return it != table.begin() && cp <= std::prev(it)->last;
}


}  // namespace

int code_point_width(char32_t cp) noexcept {
  if (cp == 0) return 0;
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 0;
  if (cp < 0x300) return 1;  // fast path: Latin, including the ambiguous Latin-1 symbols
  if (in(kZero, cp)) return 0;
  if (in(kWide, cp)) return 2;
  return 1;
}

std::size_t display_width(std::string_view utf8) noexcept {
  std::size_t width = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const Utf8Char d = decode_utf8(utf8, i);
    width += d.valid ? static_cast<std::size_t>(code_point_width(d.cp)) : 1;
    i += d.length;
  }
  return width;
}

std::string truncate_to_width(std::string_view utf8, std::size_t max_columns) {
  if (display_width(utf8) <= max_columns) return std::string(utf8);
  constexpr std::string_view kEllipsis = "...";
  if (max_columns < kEllipsis.size()) return std::string(kEllipsis.substr(0, max_columns));
  const std::size_t budget = max_columns - kEllipsis.size();
  std::size_t width = 0;
  std::size_t end = 0;
  while (end < utf8.size()) {
    const Utf8Char d = decode_utf8(utf8, end);
    const std::size_t w = d.valid ? static_cast<std::size_t>(code_point_width(d.cp)) : 1;
    if (width + w > budget) break;
    width += w;
    end += d.length;
  }
  std::string out(utf8.substr(0, end));
  out += kEllipsis;
  return out;
}

std::string pad_to_width(std::string_view utf8, std::size_t columns) {
  std::string out(utf8);
  const std::size_t width = display_width(utf8);
  if (width < columns) out.append(columns - width, ' ');
  return out;
}

namespace {

bool is_terminal_control(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void append_hex(std::string& out, const char* prefix, unsigned value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += prefix;
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out.push_back(kHex[(value >> shift) & 0xF]);
}

std::string one_line(std::string_view cell) {
  std::string flat(cell);
  for (char& c : flat)
    if (c == '\n') c = ' ';
  return escape_controls(flat);
}

}  // namespace

std::string escape_controls(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char d = decode_utf8(text, i);
    if (!d.valid) {
      append_hex(out, "\\x", static_cast<unsigned char>(text[i]), 2);
    } else if (d.cp == '\n' && keep_newlines) {
      out.push_back('\n');
    } else if (d.cp < 0x80 && is_terminal_control(d.cp)) {
      append_hex(out, "\\x", static_cast<unsigned>(d.cp), 2);
    } else if (is_terminal_control(d.cp)) {
      append_hex(out, "\\u", static_cast<unsigned>(d.cp), 4);
    } else {
      out.append(text.substr(i, d.length));
    }
    i += d.length;
  }
  return out;
}

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  const std::size_t columns = header.size();
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size() + 1);
  cells.push_back(header);
  for (const auto& row : rows) {
    std::vector<std::string> line(columns);
    for (std::size_t c = 0; c < columns && c < row.size(); ++c) line[c] = one_line(row[c]);
    cells.push_back(std::move(line));
  }
  std::vector<std::size_t> widths(columns, 0);
  for (const auto& line : cells)
    for (std::size_t c = 0; c < columns; ++c) widths[c] = std::max(widths[c], display_width(line[c]));

  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (std::size_t c = 0; c < columns; ++c) {
      if (c + 1 == columns) {
        text += line[c];
      } else {
        text += pad_to_width(line[c], widths[c]);
        text += "  ";
      }
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text;
    out += '\n';
  }
  return out;
}

}  // namespace smsgw::ctl
