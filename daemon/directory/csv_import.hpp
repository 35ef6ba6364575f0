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
  int line = 0;  // 0 for whole-file problems without a line (unknown charset, empty file)
  std::string message;
};

struct CsvParseResult {
  std::string encoding;  // "utf-8", "utf-8-bom" or "gbk"; empty when the charset was unknown
  std::vector<CsvRecipient> rows;
  std::vector<CsvError> errors;
  // False when the file has no groups column: the importer should then leave existing
  // memberships alone instead of replacing them with the (empty) `groups` of each row.
  bool has_groups_column = false;
};

// charset: from the request's Content-Type ("utf-8"/"utf8", "gbk", "gb2312", "gb18030",
// case-insensitive); nullopt or "" = detect (valid UTF-8 -> UTF-8, otherwise GB18030, which is a
// superset of GBK and GB2312). A UTF-8 BOM always means UTF-8, whatever the label says. An
// unknown charset is an error on line 0. Bytes that are invalid in the chosen encoding reject
// the whole file: one error, on the line holding them, and no rows.
//
// RFC 4180 quoting (quoted fields may hold commas, quotes "" and line breaks); CRLF, LF or CR.
// A quote inside an unquoted field is kept literally (O"Brien); text after a closing quote is
// an error for that row. Header names are trimmed, case-insensitive, may come in any order,
// and may be the Chinese headers 姓名, 手机 (手机号, 手机号码, 电话), 单位, 职务, 分组 (组);
// name and phone are required; a column with an empty header is ignored; an unknown or repeated
// column rejects the file (error on the header's line, listing the known columns).
//
// Fields are trimmed (ASCII whitespace, U+3000 and U+00A0). Groups are split on ';' ','
// and the full-width '；' '，' '、' Excel users type; each is lower-cased (ASCII) and must match
// [a-z0-9][a-z0-9_-]*. Rows with a wrong number of fields, a bad phone, an empty name, a
// control character in name, unit or title (a tab, or a line break inside quotes; see
// common/text_check.hpp), a bad group name or the same phone as an earlier row are reported
// in `errors` (one error per row,
// its problems joined by "; ") with the line where the record starts, and left out of `rows`.
// Blank lines and rows whose fields are all empty (",,,," as Excel writes them) are skipped.
CsvParseResult parse_recipients_csv(std::string_view bytes, std::optional<std::string> charset);

}  // namespace smsgw::directory
