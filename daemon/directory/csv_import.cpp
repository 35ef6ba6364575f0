#include "directory/csv_import.hpp"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "common/phone.hpp"
#include "common/text_check.hpp"
#include "common/utf8.hpp"

namespace smsgw::directory {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// 1-based physical line of `offset`, counting CRLF, LF and CR each as one break. Only used on
// error paths, so a plain scan is fine. Safe on raw GB18030 bytes too: CR and LF never occur
// inside a multi-byte GB18030 sequence.
int line_at(std::string_view s, std::size_t offset) {
  int line = 1;
  for (std::size_t i = 0; i < offset && i < s.size(); ++i) {
    if (s[i] == '\n') {
      ++line;
    } else if (s[i] == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      ++line;
    }
  }
  return line;
}

std::string hex_bytes(std::string_view s, std::size_t offset, std::size_t count) {
  std::string out;
  for (std::size_t i = offset; i < s.size() && i < offset + count; ++i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%s0x%02X", out.empty() ? "" : " ",
                  static_cast<unsigned>(static_cast<unsigned char>(s[i])));
    out += buf;
  }
  return out;
}

// Offset of the first byte that is not strict UTF-8, or npos.
std::size_t first_invalid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const auto c = decode_utf8(s, i);
    if (!c.valid) return i;
    i += c.length;
  }
  return std::string_view::npos;
}

// GB18030 -> UTF-8 in one iconv pass. On failure returns false and sets bad_offset to the
// offset in `in` of the first byte that does not convert.
bool gb18030_to_utf8(std::string_view in, std::string& out, std::size_t& bad_offset,
                     std::string& error) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    error = "GBK conversion is not available on this system (iconv: GB18030)";
    return false;
  }
  // A 2-byte GBK character becomes 3 UTF-8 bytes and a 4-byte GB18030 one at most 4, so
  // 3/2 of the input always suffices; the E2BIG branch is only a safety net.
  out.resize(in.size() + in.size() / 2 + 16);
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  std::size_t written = 0;
  bool ok = true;
  while (src_left > 0) {
    char* dst = out.data() + written;
    std::size_t dst_left = out.size() - written;
    const std::size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
    written = out.size() - dst_left;
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    // EILSEQ: invalid sequence; EINVAL: the file ends inside a multi-byte sequence.
    bad_offset = in.size() - src_left;
    ok = false;
    break;
  }
  iconv_close(cd);
  out.resize(written);
  return ok;
}

enum class Charset { detect, utf8, gb18030, unknown };

Charset parse_charset(const std::optional<std::string>& charset) {
  if (!charset) return Charset::detect;
  std::string_view v = *charset;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == '"'))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '"')) v.remove_suffix(1);
  if (v.empty()) return Charset::detect;  // "charset=" with no value
  std::string lower(v);
  for (auto& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (lower == "utf-8" || lower == "utf8") return Charset::utf8;
  if (lower == "gbk" || lower == "gb2312" || lower == "gb18030") return Charset::gb18030;
  return Charset::unknown;
}

// Turns the upload into UTF-8 text. `storage` holds converted text when a conversion was needed.
// Returns false (with one error in `result`) when the file cannot be used at all.
bool to_utf8(std::string_view bytes, const std::optional<std::string>& charset_label,
             std::string& storage, std::string_view& text, CsvParseResult& result) {
  const Charset charset = parse_charset(charset_label);
  if (charset == Charset::unknown) {
    // The label comes straight from a request header: echo it only when it is short printable
    // ASCII, so the message stays valid UTF-8 for the JSON answer.
    const std::string& label = *charset_label;
    const bool printable =
        label.size() <= 40 &&
        std::all_of(label.begin(), label.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
    result.errors.push_back({0, "unsupported charset" + (printable ? " '" + label + "'" : "") +
                                    ": use utf-8 or gbk (gb2312, gb18030)"});
    return false;
  }
  // A BOM is unambiguous, so it wins over a label: decoding its bytes as GBK would only garble
  // the header.
  if (bytes.starts_with(kBom)) {
    text = bytes.substr(kBom.size());
    result.encoding = "utf-8-bom";
    if (const auto bad = first_invalid_utf8(text); bad != std::string_view::npos) {
      result.errors.push_back({line_at(text, bad),
                               "the file starts with a UTF-8 byte order mark but this line has "
                               "bytes that are not UTF-8 (" +
                                   hex_bytes(text, bad, 2) + "); nothing was imported"});
      return false;
    }
    return true;
  }
  if (charset != Charset::gb18030) {
    const auto bad = first_invalid_utf8(bytes);
    if (bad == std::string_view::npos) {
      text = bytes;
      result.encoding = "utf-8";
      return true;
    }
    if (charset == Charset::utf8) {
      result.encoding = "utf-8";
      result.errors.push_back(
          {line_at(bytes, bad), "bytes that are not UTF-8 (" + hex_bytes(bytes, bad, 2) +
                                    "); if Excel saved the file on Chinese Windows, send it "
                                    "with charset=gbk; nothing was imported"});
      return false;
    }
  }
  result.encoding = "gbk";
  std::size_t bad = 0;
  std::string error;
  if (!gb18030_to_utf8(bytes, storage, bad, error)) {
    if (!error.empty()) {
      result.errors.push_back({0, std::move(error)});
    } else {
      result.errors.push_back(
          {line_at(bytes, bad),
           std::string(charset == Charset::detect ? "the file is neither UTF-8 nor GBK: " : "") +
               "bytes that are not valid GBK/GB18030 (" + hex_bytes(bytes, bad, 2) +
               "); nothing was imported"});
    }
    return false;
  }
  text = storage;
  return true;
}

// Width of the whitespace character at s[i] (ASCII blank, U+00A0, U+3000), or 0.
std::size_t space_at(std::string_view s, std::size_t i) noexcept {
  const char c = s[i];
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') return 1;
  if (c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') return 2;
  if (c == '\xE3' && i + 2 < s.size() && s[i + 1] == '\x80' && s[i + 2] == '\x80') return 3;
  return 0;
}

// Width of the whitespace character ending at s[end - 1], or 0.
std::size_t space_before(std::string_view s, std::size_t end) noexcept {
  const char c = s[end - 1];
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') return 1;
  if (end >= 2 && c == '\xA0' && s[end - 2] == '\xC2') return 2;
  if (end >= 3 && c == '\x80' && s[end - 2] == '\x80' && s[end - 3] == '\xE3') return 3;
  return 0;
}

std::string_view trim(std::string_view s) noexcept {
  std::size_t b = 0;
  while (b < s.size()) {
    const auto w = space_at(s, b);
    if (w == 0) break;
    b += w;
  }
  std::size_t e = s.size();
  while (e > b) {
    const auto w = space_before(s, e);
    if (w == 0) break;
    e -= w;
  }
  return s.substr(b, e - b);
}

// RFC 4180 record reader over UTF-8 text. Fields go into a reused vector of strings so that
// capacity carries over from record to record: no allocation per field once warmed up.
class RecordReader {
 public:
  explicit RecordReader(std::string_view s) : s_(s) {}

  // Reads the next record. Returns false at the end of the input. `problem` is set (and the
  // fields are best effort) for an unclosed quote or text after a closing quote.
  bool next(std::vector<std::string>& fields, std::size_t& count, int& start_line,
            std::string& problem) {
    if (pos_ >= s_.size()) return false;
    start_line = line_;
    count = 0;
    problem.clear();
    const std::size_t n = s_.size();
    for (;;) {
      if (count == fields.size()) fields.emplace_back();
      std::string& field = fields[count++];
      field.clear();

      std::size_t p = pos_;
      while (p < n && (s_[p] == ' ' || s_[p] == '\t')) ++p;
      if (p < n && s_[p] == '"') {
        ++p;
        std::size_t run = p;
        bool closed = false;
        while (p < n) {
          const char c = s_[p];
          if (c == '"') {
            field.append(s_.data() + run, p - run);
            if (p + 1 < n && s_[p + 1] == '"') {
              field.push_back('"');
              p += 2;
              run = p;
              continue;
            }
            ++p;
            closed = true;
            break;
          }
          if (c == '\r' || c == '\n') {
            // Line breaks inside quotes are kept as '\n' but still count as physical lines.
            field.append(s_.data() + run, p - run);
            field.push_back('\n');
            p += (c == '\r' && p + 1 < n && s_[p + 1] == '\n') ? 2 : 1;
            ++line_;
            run = p;
            continue;
          }
          ++p;
        }
        if (!closed) {
          field.append(s_.data() + run, p - run);
          problem = "a quoted field is never closed (a '\"' is missing)";
          pos_ = n;
          return true;
        }
        while (p < n && (s_[p] == ' ' || s_[p] == '\t')) ++p;
        if (p < n && s_[p] != ',' && s_[p] != '\r' && s_[p] != '\n') {
          if (problem.empty())
            problem = "field " + std::to_string(count) +
                      " has text after its closing quote (write a quote inside a quoted "
                      "field as \"\")";
          const std::size_t start = p;
          while (p < n && s_[p] != ',' && s_[p] != '\r' && s_[p] != '\n') ++p;
          field.append(s_.data() + start, p - start);
        }
      } else {
        p = pos_;
        while (p < n && s_[p] != ',' && s_[p] != '\r' && s_[p] != '\n') ++p;
        field.assign(s_.data() + pos_, p - pos_);
      }

      if (p >= n) {
        pos_ = n;
        return true;
      }
      if (s_[p] == ',') {
        pos_ = p + 1;
        continue;
      }
      pos_ = p + ((s_[p] == '\r' && p + 1 < n && s_[p + 1] == '\n') ? 2 : 1);
      ++line_;
      return true;
    }
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

enum Column : int { kName, kPhone, kUnit, kTitle, kGroups, kColumnCount };

constexpr std::string_view kColumnNames[kColumnCount] = {"name", "phone", "unit", "title",
                                                         "groups"};

int column_of(std::string_view header) {
  std::string lower(header);
  for (auto& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (lower == "name" || lower == "姓名") return kName;
  if (lower == "phone" || lower == "手机" || lower == "手机号" || lower == "手机号码" ||
      lower == "电话")
    return kPhone;
  if (lower == "unit" || lower == "单位") return kUnit;
  if (lower == "title" || lower == "职务") return kTitle;
  if (lower == "groups" || lower == "分组" || lower == "组") return kGroups;
  return -1;
}

constexpr std::string_view kKnownColumns =
    "known columns: name, phone, unit, title, groups (or 姓名, 手机, 单位, 职务, 分组)";

// Maps header fields to columns. Returns false with an error when the header is unusable.
bool read_header(const std::vector<std::string>& fields, std::size_t count, int line,
                 int (&index)[kColumnCount], CsvParseResult& result) {
  std::fill(std::begin(index), std::end(index), -1);
  std::string unknown;
  std::string repeated;
  for (std::size_t i = 0; i < count; ++i) {
    const auto name = trim(fields[i]);
    if (name.empty()) continue;  // Excel exports stray formatted columns with empty headers
    const int col = column_of(name);
    if (col < 0) {
      unknown += unknown.empty() ? "'" : ", '";
      unknown.append(name);
      unknown += "'";
      continue;
    }
    if (index[col] >= 0) {
      repeated += repeated.empty() ? "" : ", ";
      repeated += kColumnNames[col];
      continue;
    }
    index[col] = static_cast<int>(i);
  }
  std::string message;
  auto add = [&message](std::string part) {
    if (!message.empty()) message += "; ";
    message += part;
  };
  if (!unknown.empty()) add("unknown column " + unknown);
  if (!repeated.empty()) add("column given twice: " + repeated);
  if (index[kName] < 0) add("missing required column 'name' (姓名)");
  if (index[kPhone] < 0) add("missing required column 'phone' (手机)");
  if (message.empty()) return true;
  message += "; ";
  message += kKnownColumns;
  result.errors.push_back({line, std::move(message)});
  return false;
}

void append_problem(std::string& problems, std::string_view problem) {
  if (!problems.empty()) problems += "; ";
  problems += problem;
}

bool is_group_separator(std::string_view s, std::size_t i, std::size_t& width) noexcept {
  const char c = s[i];
  if (c == ';' || c == ',') {
    width = 1;
    return true;
  }
  if (i + 2 < s.size()) {
    const auto b0 = s[i], b1 = s[i + 1], b2 = s[i + 2];
    // U+FF1B '；', U+FF0C '，', U+3001 '、'
    if ((b0 == '\xEF' && b1 == '\xBC' && (b2 == '\x9B' || b2 == '\x8C')) ||
        (b0 == '\xE3' && b1 == '\x80' && b2 == '\x81')) {
      width = 3;
      return true;
    }
  }
  return false;
}

// A row's groups so far. A row names a few, and a linear search beats hashing; but one cell
// may hold 1 MiB of names, so past a handful they are hashed.
class GroupSet {
 public:
  explicit GroupSet(std::vector<std::string>& groups) : groups_(groups) {}

  void add(std::string name) {
    if (groups_.size() < kLinear) {
      if (std::find(groups_.begin(), groups_.end(), name) == groups_.end())
        groups_.push_back(std::move(name));
      return;
    }
    if (seen_.empty()) seen_.insert(groups_.begin(), groups_.end());
    if (seen_.insert(name).second) groups_.push_back(std::move(name));
  }

 private:
  static constexpr std::size_t kLinear = 16;
  std::vector<std::string>& groups_;
  std::unordered_set<std::string> seen_;
};

void check_group(std::string_view part, GroupSet& groups, std::string& problems) {
  std::string name(part);
  bool ascii = true;
  bool valid = true;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char& c = name[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-'))) valid = false;
  }
  if (!ascii) {
    append_problem(problems, "group '" + std::string(part) +
                                 "': Chinese group names are not allowed, use a Latin name "
                                 "such as 'cadres' (a-z, 0-9, '_', '-')");
    return;
  }
  if (!valid) {
    append_problem(problems, "group '" + std::string(part) +
                                 "' is not a valid name (a-z, 0-9, '_', '-', starting with a "
                                 "letter or digit)");
    return;
  }
  // The store's rule for group names, as POST /v1/groups applies it: a longer name imported
  // here could never be read or deleted through /v1/groups/{name} (found by fuzz_csv).
  if (name.size() > 64) {
    append_problem(problems, "group '" + name.substr(0, 20) + "...' is longer than 64 characters");
    return;
  }
  groups.add(std::move(name));
}

void split_groups(std::string_view field, std::vector<std::string>& out, std::string& problems) {
  GroupSet groups(out);
  std::size_t start = 0;
  std::size_t i = 0;
  while (i <= field.size()) {
    std::size_t width = 0;
    if (i == field.size() || is_group_separator(field, i, width)) {
      const auto part = trim(field.substr(start, i - start));
      if (!part.empty()) check_group(part, groups, problems);
      if (i == field.size()) break;
      i += width;
      start = i;
    } else {
      ++i;
    }
  }
}

}  // namespace

CsvParseResult parse_recipients_csv(std::string_view bytes, std::optional<std::string> charset) {
  CsvParseResult result;
  std::string storage;
  std::string_view text;
  if (!to_utf8(bytes, charset, storage, text, result)) return result;

  RecordReader reader(text);
  std::vector<std::string> fields;
  fields.reserve(8);
  std::size_t count = 0;
  int line = 0;
  std::string problem;

  auto blank = [&]() {
    for (std::size_t i = 0; i < count; ++i)
      if (!trim(fields[i]).empty()) return false;
    return true;
  };

  // The first non-blank record is the header.
  bool have_header = false;
  while (reader.next(fields, count, line, problem)) {
    if (problem.empty() && blank()) continue;
    have_header = true;
    break;
  }
  if (!have_header) {
    result.errors.push_back(
        {0, "the file is empty: expected a header row name,phone,unit,title,groups"});
    return result;
  }
  if (!problem.empty()) {
    result.errors.push_back({line, "header row: " + problem});
    return result;
  }
  int index[kColumnCount];
  if (!read_header(fields, count, line, index, result)) return result;
  const std::size_t header_count = count;
  result.has_groups_column = index[kGroups] >= 0;

  // Rows are about one per line; reserving up front keeps the 10,000-row import free of rehashes.
  const auto estimate = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  result.rows.reserve(estimate);
  std::unordered_map<std::string, int> phone_lines;
  phone_lines.reserve(estimate);

  std::string problems;
  while (reader.next(fields, count, line, problem)) {
    if (problem.empty() && blank()) continue;
    problems = problem;
    if (count != header_count) {
      std::string message = "has " + std::to_string(count) + " field" + (count == 1 ? "" : "s") +
                            ", the header has " + std::to_string(header_count);
      if (count > header_count) message += " (put a value that holds a comma in double quotes)";
      append_problem(problems, message);
      result.errors.push_back({line, std::move(problems)});
      continue;
    }
    auto field = [&](int col) -> std::string_view {
      return index[col] < 0 ? std::string_view{}
                            : trim(fields[static_cast<std::size_t>(index[col])]);
    };
    CsvRecipient row;
    row.line = line;
    row.name = field(kName);
    if (row.name.empty()) append_problem(problems, "name is empty");
    auto phone = normalize_phone(field(kPhone));
    if (!phone.ok()) {
      // The number itself stays out of the message: import errors may end up in logs.
      append_problem(problems, "phone: " + phone.error);
    } else {
      const auto [it, inserted] = phone_lines.try_emplace(phone.e164, line);
      if (!inserted) append_problem(problems, "same phone as line " + std::to_string(it->second));
      row.phone = std::move(phone.e164);
    }
    row.unit = field(kUnit);
    row.title = field(kTitle);
    // A quoted field may hold a line break; no name, unit or title may.
    const std::pair<const char*, const std::string*> texts[] = {
        {"name", &row.name}, {"unit", &row.unit}, {"title", &row.title}};
    for (const auto& [column, text] : texts)
      if (auto bad = control_character_problem(*text)) append_problem(problems, std::string(column) + ": " + *bad);
    if (index[kGroups] >= 0) split_groups(field(kGroups), row.groups, problems);
    if (!problems.empty()) {
      result.errors.push_back({line, std::move(problems)});
      problems.clear();
      continue;
    }
    result.rows.push_back(std::move(row));
  }
  return result;
}

}  // namespace smsgw::directory
