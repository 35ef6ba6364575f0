// parse_recipients_csv on arbitrary bytes in every charset ("label\nbytes"; label "*" = none,
// so the charset is detected): it never throws; every error names a line within the input (0
// only for whole-file problems) and is valid UTF-8 for the JSON answer; every row starts on a
// line after the header, in file order, with a normalised phone not seen before, a name, valid
// group names and UTF-8 text.

#include <set>

#include "common/phone.hpp"
#include "common/utf8.hpp"
#include "directory/csv_import.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

namespace {

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const Utf8Char c = decode_utf8(s, i);
    if (!c.valid) return false;
    i += c.length;
  }
  return true;
}

bool valid_group(std::string_view g) {
  if (g.empty() || g.size() > 64) return false;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const char c = g[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  const std::string_view label = fuzz::take_line(input);
  std::optional<std::string> charset;
  if (label != "*") charset = std::string(label);

  directory::CsvParseResult r;
  try {
    r = directory::parse_recipients_csv(input, charset);
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("parse_recipients_csv threw: ") + e.what());
  }
  const int lines = static_cast<int>(fuzz::count_lines(input));
  for (const auto& e : r.errors) {
    if (e.line < 0 || e.line > lines)
      FUZZ_FAIL("error on line " + std::to_string(e.line) + " of " + std::to_string(lines) +
                ": " + e.message);
    FUZZ_CHECK(!e.message.empty());
    FUZZ_CHECK(valid_utf8(e.message));
  }
  std::set<std::string> phones;
  int last_line = 1;
  for (const auto& row : r.rows) {
    FUZZ_CHECK(row.line > last_line && row.line <= lines);
    last_line = row.line;
    const PhoneResult p = normalize_phone(row.phone);
    FUZZ_CHECK(p.ok() && p.e164 == row.phone);
    FUZZ_CHECK(phones.insert(row.phone).second);
    FUZZ_CHECK(!row.name.empty());
    FUZZ_CHECK(valid_utf8(row.name) && valid_utf8(row.unit) && valid_utf8(row.title));
    std::set<std::string> groups;
    for (const auto& g : row.groups) {
      if (!valid_group(g)) FUZZ_FAIL("bad group name \"" + g + "\"");
      FUZZ_CHECK(groups.insert(g).second);
    }
    if (!r.has_groups_column) FUZZ_CHECK(row.groups.empty());
  }
  if (!r.rows.empty()) FUZZ_CHECK(!r.encoding.empty());
  return 0;
}
