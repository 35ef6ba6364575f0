#include "display_width.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace smsgw::ctl {
namespace {

TEST(DisplayWidth, AsciiIsOneColumnPerByte) {
  EXPECT_EQ(display_width(""), 0u);
  EXPECT_EQ(display_width("13800138000"), 11u);
  EXPECT_EQ(display_width("queued"), 6u);
}

TEST(DisplayWidth, CjkIdeographsAndPunctuationAreTwoColumns) {
  EXPECT_EQ(display_width("张三"), 4u);
  EXPECT_EQ(display_width("廉政提醒"), 8u);
  EXPECT_EQ(display_width("【区纪委】"), 10u);    // U+3010/U+3011 brackets are wide
  EXPECT_EQ(display_width("明天开会。"), 10u);    // U+3002 ideographic full stop
  EXPECT_EQ(display_width("张三 (科长)"), 11u);  // mixed: 4 + 1 + 1 + 4 + 1
}

TEST(DisplayWidth, FullWidthFormsAreTwoColumns) {
  EXPECT_EQ(display_width("ＡＢＣ"), 6u);    // U+FF21..
  EXPECT_EQ(display_width("１２３"), 6u);    // full-width digits
  EXPECT_EQ(display_width("（）"), 4u);      // full-width parentheses
  EXPECT_EQ(display_width("￥"), 2u);        // U+FFE5
  EXPECT_EQ(display_width("ｶ"), 1u);         // half-width katakana U+FF76 stays narrow
}

TEST(DisplayWidth, OtherScriptsAndMarks) {
  EXPECT_EQ(display_width("é"), 1u);          // precomposed
  EXPECT_EQ(display_width("e\u0301"), 1u);    // combining acute adds nothing
  EXPECT_EQ(display_width("a\u200Bb"), 2u);   // zero-width space
  EXPECT_EQ(display_width("한국"), 4u);       // Hangul syllables
  EXPECT_EQ(display_width("𠀀"), 2u);         // CJK extension B (4-byte UTF-8)
  EXPECT_EQ(display_width("\u00b7"), 1u);     // ambiguous width counts as narrow
  EXPECT_EQ(display_width("a\tb"), 2u);       // control characters take no column
}

TEST(DisplayWidth, MalformedUtf8CountsOneColumnPerBadByte) {
  EXPECT_EQ(display_width("\xff"), 1u);
  EXPECT_EQ(display_width("a\xe5\xbc"), 3u);        // truncated 3-byte sequence: 2 bad bytes
  EXPECT_EQ(display_width("\xc0\xaf"), 2u);         // overlong encoding of '/'
  EXPECT_EQ(display_width("\xed\xa0\x80"), 3u);     // UTF-16 surrogate
}

TEST(CodePointWidth, BoundariesOfTheWideBlocks) {
  EXPECT_EQ(code_point_width(U'\u4E00'), 2);
  EXPECT_EQ(code_point_width(U'\u9FFF'), 2);
  EXPECT_EQ(code_point_width(U'\u3000'), 2);  // ideographic space
  EXPECT_EQ(code_point_width(U'\u303F'), 1);  // half fill space is narrow
  EXPECT_EQ(code_point_width(U'\uFF01'), 2);
  EXPECT_EQ(code_point_width(U'\uFF61'), 1);
  EXPECT_EQ(code_point_width(U'\uAC00'), 2);
  EXPECT_EQ(code_point_width(U'\uD7A4'), 1);
  EXPECT_EQ(code_point_width(U'\U0001F600'), 2);  // emoji
  EXPECT_EQ(code_point_width(U'\u302A'), 0);      // tone mark inside a wide block
}

TEST(TruncateToWidth, NeverSplitsACodePointAndMarksTheCut) {
  EXPECT_EQ(truncate_to_width("short", 10), "short");
  EXPECT_EQ(truncate_to_width("abcdefghij", 8), "abcde...");
  // 8 columns: 5 for text; each ideograph is 2, so only two fit (4 columns) plus "...".
  EXPECT_EQ(truncate_to_width("廉政提醒廉政提醒", 8), "廉政...");
  EXPECT_LE(display_width(truncate_to_width("廉政提醒廉政提醒", 8)), 8u);
  EXPECT_EQ(truncate_to_width("廉政提醒", 8), "廉政提醒");  // fits exactly
  EXPECT_EQ(truncate_to_width("abcdef", 2), "..");
}

TEST(PadToWidth, PadsByColumnsNotBytes) {
  EXPECT_EQ(pad_to_width("张三", 6), "张三  ");
  EXPECT_EQ(pad_to_width("ab", 4), "ab  ");
  EXPECT_EQ(pad_to_width("张三丰", 4), "张三丰");  // wider than asked: unchanged
}

// Every line of a rendered table must put each column at the same terminal column.
TEST(RenderTable, AlignsColumnsWithChineseCells) {
  const std::string out = render_table({"NAME", "UNIT", "PHONE"}, {{"张三", "区纪委", "13800138000"},
                                                                    {"Li Si", "监察室", "13900139000"},
                                                                    {"欧阳明", "办公室", "-"}});
  std::istringstream in(out);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "NAME    UNIT    PHONE");
  EXPECT_EQ(lines[1], "张三    区纪委  13800138000");
  EXPECT_EQ(lines[2], "Li Si   监察室  13900139000");
  EXPECT_EQ(lines[3], "欧阳明  办公室  -");
}

TEST(RenderTable, OneRowStaysOneLineAndShortRowsArePadded) {
  const std::string out = render_table({"A", "B"}, {{"x\ny"}, {"1", "2"}});
  EXPECT_EQ(out, "A    B\nx y\n1    2\n");
}

struct EscapeCase {
  std::string_view input;
  std::string_view table;      // keep_newlines = false
  std::string_view multiline;  // keep_newlines = true
};

TEST(EscapeControls, EveryControlBecomesAVisibleEscape) {
  const EscapeCase cases[] = {
      {"张三", "张三", "张三"},
      {"", "", ""},
      {"\x1b[2J", "\\x1b[2J", "\\x1b[2J"},
      {std::string_view("a\0b", 3), "a\\x00b", "a\\x00b"},
      {"a\tb\rc", "a\\x09b\\x0dc", "a\\x09b\\x0dc"},
      {"line 1\nline 2", "line 1\\x0aline 2", "line 1\nline 2"},
      {"\x1f\x7f ~", "\\x1f\\x7f ~", "\\x1f\\x7f ~"},
      {"\u0085\u009b1m\u00a0", "\\u0085\\u009b1m\u00a0", "\\u0085\\u009b1m\u00a0"},  // C1; NBSP stays
      {"\u202aa\u202eb\u2066c\u2069", "\\u202aa\\u202eb\\u2066c\\u2069",
       "\\u202aa\\u202eb\\u2066c\\u2069"},
      {"\u2029\u200b", "\u2029\u200b", "\u2029\u200b"},  // neither control nor override
      {"\x9b" "2J\xff", "\\x9b2J\\xff", "\\x9b2J\\xff"},   // malformed UTF-8 bytes
      {"C:\\path", "C:\\path", "C:\\path"},                // backslashes are not doubled
  };
  for (const auto& c : cases) {
    EXPECT_EQ(escape_controls(c.input), c.table) << c.input;
    EXPECT_EQ(escape_controls(c.input, true), c.multiline) << c.input;
    EXPECT_EQ(escape_controls(escape_controls(c.input)), escape_controls(c.input));
  }
}

TEST(EscapeControls, NothingBelowSpaceOrInC1SurvivesAnyByte) {
  for (int b = 0; b < 256; ++b) {
    const std::string input = "x" + std::string(1, static_cast<char>(b)) + "\u0080\u009f";
    const std::string out = escape_controls(input);
    for (char c : out) {
      const auto u = static_cast<unsigned char>(c);
      EXPECT_TRUE(u >= 0x20 && u < 0x7F) << "byte " << b << " gave " << out;
    }
  }
}

TEST(RenderTable, EscapesControlsAndMeasuresTheEscapedText) {
  // A recipient named ESC [2J must not clear the terminal, and the columns after it still line up.
  const std::string out =
      render_table({"NAME", "UNIT"}, {{"\x1b[2J", "区纪委"}, {"\u202e张三", "x"}, {"a\tb", "y"}});
  EXPECT_EQ(out,
            "NAME        UNIT\n"
            "\\x1b[2J     区纪委\n"
            "\\u202e张三  x\n"
            "a\\x09b      y\n");
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace smsgw::ctl
