#pragma once
// Parsing the office's recipient list as Excel exports it: CSV with a header row
// name,phone,unit,title,groups (groups separated by ';'), in UTF-8 (with or without BOM) or in
// GBK/GB18030 as Excel writes it on Chinese Windows. Pure function: no store access, so it is
// unit-testable and its speed measurable (10,000 rows well under a second).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::directory {

struct CsvRecipient {
  int line = 0;  // 1-based physical line where the record starts (header = line 1)
  std::string name;
  std::string phone;  // normalised E.164
  std::string unit;
  std::string title;
  std::vector<std::string> groups;  // trimmed, de-duplicated, validated names
};

struct CsvError {
  int line = 0;  // 0 for whole-file problems (encoding, header)
  std::string message;
};

struct CsvParseResult {
  std::string encoding;  // "utf-8", "utf-8-bom" or "gbk"
  std::vector<CsvRecipient> rows;
  std::vector<CsvError> errors;
};

// charset: from the request's Content-Type ("utf-8", "gbk", "gb2312", "gb18030"); nullopt =
// detect (valid UTF-8 -> UTF-8, otherwise GB18030, which is a superset of GBK and GB2312).
// RFC 4180 quoting (quoted fields may hold commas, quotes "" and line breaks); CRLF or LF;
// header names are case-insensitive, may come in any order, and may also be the Chinese
// headers 姓名,手机,单位,职务,分组; name and phone are required columns. Rows with a bad phone,
// an empty name, a bad group name or the same phone as an earlier row are reported in `errors`
// with their line and left out of `rows`. Blank lines are skipped.
CsvParseResult parse_recipients_csv(std::string_view bytes, std::optional<std::string> charset);

}  // namespace smsgw::directory
