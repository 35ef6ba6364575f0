#include "templates/template.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/utf8.hpp"

namespace smsgw::templates {

enum class FilterKind { default_value, date_cn };

struct Filter {
  FilterKind kind;
  std::string argument;
};

struct Segment {
  bool is_placeholder = false;
  std::string text;  // literal text, or the value of a quoted string placeholder
  std::string name;  // placeholder name; empty for a quoted string
  std::vector<Filter> filters;
  std::size_t offset = 0;  // of the "{{"
  bool has_default() const {
    return std::any_of(filters.begin(), filters.end(),
                       [](const Filter& f) { return f.kind == FilterKind::default_value; });
  }
};

struct Template {
  std::string body;  // kept for positions in validate()
  std::vector<Segment> segments;
};

void TemplateDeleter::operator()(Template* t) const noexcept { delete t; }

std::string ParseError::to_string() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

namespace {

constexpr std::string_view kKnownFilters = "date_cn, default";

struct Position {
  int line = 1;
  int column = 1;
};

// Columns count code points, so an error in Chinese text points at the right character.
// Positions are asked for in increasing offsets (validate() reports every unknown placeholder
// in body order), so the cursor carries on from the last one: rescanning from the start for
// each made a 1 MiB body with 100,000 placeholders quadratic.
class PositionCursor {
 public:
  explicit PositionCursor(std::string_view body) : body_(body) {}

  Position at(std::size_t offset) {
    if (offset < i_) {  // not expected, but stays correct
      i_ = 0;
      p_ = {};
    }
    while (i_ < offset && i_ < body_.size()) {
      if (body_[i_] == '\n') {
        ++p_.line;
        p_.column = 1;
        ++i_;
        continue;
      }
      i_ += decode_utf8(body_, i_).length;
      ++p_.column;
    }
    return p_;
  }

 private:
  std::string_view body_;
  std::size_t i_ = 0;
  Position p_;
};

Position position_of(std::string_view body, std::size_t offset) {
  return PositionCursor(body).at(offset);
}

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_valid_name(std::string_view s) {
  if (s.empty()) return false;
  bool part_start = true;
  for (char c : s) {
    if (c == '.') {
      if (part_start) return false;
      part_start = true;
      continue;
    }
    if (part_start ? !is_name_start(c) : !is_name_char(c)) return false;
    part_start = false;
  }
  return !part_start;
}

// The character at `i` as written, for messages ("-", "姓").
std::string char_at(std::string_view s, std::size_t i) {
  return std::string(s.substr(i, decode_utf8(s, i).length));
}

// Appended, not "\"" + std::string(s): GCC 12 -O3 -Wrestrict false positive (bug 105329).
std::string quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s).push_back('"');
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view body) : s_(body) {}

  Parsed run() {
    auto t = std::make_unique<Template>();
    t->body = std::string(s_);
    std::string literal;
    auto flush = [&] {
      if (literal.empty()) return;
      Segment seg;
      seg.text = std::move(literal);
      t->segments.push_back(std::move(seg));
      literal.clear();
    };
    while (i_ < s_.size()) {
      const auto ch = decode_utf8(s_, i_);
      if (!ch.valid) return fail(i_, "invalid UTF-8");
      if (s_.compare(i_, 2, "{{") == 0) {
        flush();
        Segment seg;
        if (!placeholder(seg)) return std::move(result_);
        t->segments.push_back(std::move(seg));
        continue;
      }
      if (s_.compare(i_, 2, "}}") == 0)
        return fail(i_, "\"}}\" outside a placeholder (write {{ \"}}\" }} for a literal \"}}\")");
      literal.append(s_.substr(i_, ch.length));
      i_ += ch.length;
    }
    flush();
    result_.tmpl.reset(t.release());
    return std::move(result_);
  }

 private:
  Parsed fail(std::size_t offset, std::string message) {
    error(offset, std::move(message));
    return std::move(result_);
  }
  bool error(std::size_t offset, std::string message) {
    const auto p = position_of(s_, offset);
    result_.error = ParseError{offset, p.line, p.column, std::move(message)};
    return false;
  }

  void skip_space() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }

  // Whatever stops a placeholder early: the end of the body, or a "{{" before any "}}", means
  // the author forgot to close it; that reads better than "unexpected character".
  bool unexpected(std::size_t open, std::string_view expected) {
    if (i_ >= s_.size()) return error(open, "unclosed \"{{\" (no matching \"}}\")");
    if (s_.compare(i_, 2, "{{") == 0) {
      const auto p = position_of(s_, i_);
      return error(open, "unclosed \"{{\" (another \"{{\" starts at line " +
                             std::to_string(p.line) + ", column " + std::to_string(p.column) +
                             " before it is closed with \"}}\")");
    }
    if (s_.find("}}", i_) == std::string_view::npos)
      return error(open, "unclosed \"{{\" (no matching \"}}\")");
    return error(i_, "unexpected " + quoted(char_at(s_, i_)) + " in placeholder (expected " +
                         std::string(expected) + ")");
  }

  // A quoted string at i_ ('...' or "..."); no escapes. A string running past the line, or a
  // filter argument running past a "}}", almost always lacks its closing quote: saying so
  // beats an error further on where the next quote happens to be.
  bool string_literal(std::string& out, bool is_argument) {
    const char quote = s_[i_];
    const std::size_t start = i_;
    const auto end = s_.find(quote, i_ + 1);
    // Only the string itself is searched for a line break or "}}": searching the rest of the
    // body made a line of 140,000 {{'a'}} quadratic.
    const std::string_view inside =
        s_.substr(i_ + 1, end == std::string_view::npos ? std::string_view::npos : end - i_ - 1);
    if (end == std::string_view::npos || inside.find('\n') != std::string_view::npos ||
        (is_argument && inside.find("}}") != std::string_view::npos))
      return error(start, std::string("unterminated string (missing closing ") + quote + ")");
    out = std::string(s_.substr(start + 1, end - start - 1));
    i_ = end + 1;
    return true;
  }

  bool name(std::size_t open, std::string& out) {
    if (i_ >= s_.size()) return unexpected(open, "");
    const std::size_t start = i_;
    bool part_start = true;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '.') {
        if (part_start)
          return error(i_, i_ == start ? "placeholder name must start with a letter or '_'"
                                       : "empty part in dotted name (\"..\" or a trailing \".\")");
        part_start = true;
        ++i_;
        continue;
      }
      if (is_name_char(c)) {
        if (part_start && !is_name_start(c))
          return error(i_, "a name (or a part after \".\") must start with a letter or '_', not " +
                               quoted(char_at(s_, i_)));
        part_start = false;
        ++i_;
        continue;
      }
      break;
    }
    if (i_ == start) {
      if (i_ >= s_.size() || s_.compare(i_, 2, "}}") == 0 || s_[i_] == '|')
        return error(i_, "empty placeholder name");
      if (s_.compare(i_, 2, "{{") == 0) return unexpected(open, "");
      return error(i_, "invalid character " + quoted(char_at(s_, i_)) +
                           " in placeholder name (letters, digits, '_' and '.')");
    }
    if (part_start)
      return error(i_ - 1, "empty part in dotted name (\"..\" or a trailing \".\")");
    // A bad character straight after a name ("na-me", "姓名x") is a bad name, not a missing "}}".
    if (i_ < s_.size() && !is_space(s_[i_]) && s_[i_] != '|' && s_.compare(i_, 2, "}}") != 0 &&
        s_.compare(i_, 2, "{{") != 0) {
      if (s_.find("}}", i_) == std::string_view::npos)
        return error(open, "unclosed \"{{\" (no matching \"}}\")");
      return error(i_, "invalid character " + quoted(char_at(s_, i_)) +
                           " in placeholder name (letters, digits, '_' and '.')");
    }
    out = std::string(s_.substr(start, i_ - start));
    return true;
  }

  bool filter(std::size_t open, Segment& seg) {
    skip_space();
    const std::size_t start = i_;
    while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
    const std::string_view fname = s_.substr(start, i_ - start);
    if (fname.empty()) {
      if (i_ >= s_.size() || s_.compare(i_, 2, "{{") == 0) return unexpected(open, "");
      return error(i_, "missing filter name after \"|\" (known: " + std::string(kKnownFilters) +
                           ")");
    }
    Filter f;
    if (fname == "default") {
      f.kind = FilterKind::default_value;
    } else if (fname == "date_cn") {
      f.kind = FilterKind::date_cn;
    } else {
      return error(start, "unknown filter " + quoted(fname) + " (known: " +
                              std::string(kKnownFilters) + ")");
    }
    skip_space();
    const bool has_colon = i_ < s_.size() && s_[i_] == ':';
    if (f.kind == FilterKind::date_cn) {
      if (has_colon) return error(i_, "filter \"date_cn\" takes no argument");
    } else {
      if (!has_colon)
        return error(start, "filter \"default\" needs an argument: default:\"text\"");
      const std::size_t colon = i_++;
      skip_space();
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) {
        if (i_ >= s_.size() || s_.compare(i_, 2, "}}") == 0 || s_[i_] == '|')
          return error(colon, "missing argument after \":\" (write default:\"text\")");
        return error(i_, "the argument of \"default\" must be quoted: default:\"text\"");
      }
      if (!string_literal(f.argument, true)) return false;
    }
    seg.filters.push_back(std::move(f));
    return true;
  }

  // At "{{": parses up to and including "}}".
  bool placeholder(Segment& seg) {
    const std::size_t open = i_;
    seg.is_placeholder = true;
    seg.offset = open;
    i_ += 2;
    skip_space();
    if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'')) {
      if (!string_literal(seg.text, false)) return false;
    } else if (!name(open, seg.name)) {
      return false;
    }
    for (;;) {
      skip_space();
      if (s_.compare(i_, 2, "}}") == 0) {
        i_ += 2;
        return true;
      }
      if (i_ < s_.size() && s_[i_] == '|') {
        ++i_;
        if (!filter(open, seg)) return false;
        continue;
      }
      return unexpected(open, "\"|\" or \"}}\"");
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  Parsed result_;
};

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::string two_digits(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

// Appends `name` unless `seen` has it: a list of 100,000 distinct names stays linear. `seen`
// may hold views of the template's names, which live as long as the template.
template <typename Set>
void add_once(std::vector<std::string>& out, Set& seen, const std::string& name) {
  if (seen.insert(name).second) out.push_back(name);
}

}  // namespace

Parsed parse(std::string_view body) { return Parser(body).run(); }

std::vector<std::string> placeholders(const Template& t) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  for (const auto& seg : t.segments)
    if (seg.is_placeholder && !seg.name.empty()) add_once(out, seen, seg.name);
  return out;
}

std::vector<std::string> required_placeholders(const Template& t) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  for (const auto& seg : t.segments)
    if (seg.is_placeholder && !seg.name.empty() && !seg.has_default()) add_once(out, seen, seg.name);
  return out;
}

bool is_builtin(std::string_view name) {
  static constexpr std::string_view kBuiltins[] = {"name", "title", "unit",  "today", "today_cn",
                                                   "now",  "year",  "month", "day"};
  return std::find(std::begin(kBuiltins), std::end(kBuiltins), name) != std::end(kBuiltins);
}

std::optional<std::string> date_builtin(std::string_view name, const CivilTime& local) {
  if (name == "today")
    return std::to_string(local.year) + "-" + two_digits(local.month) + "-" +
           two_digits(local.day);
  if (name == "today_cn")
    return std::to_string(local.year) + "年" + std::to_string(local.month) + "月" +
           std::to_string(local.day) + "日";
  if (name == "now") return two_digits(local.hour) + ":" + two_digits(local.minute);
  if (name == "year") return std::to_string(local.year);
  if (name == "month") return std::to_string(local.month);
  if (name == "day") return std::to_string(local.day);
  return std::nullopt;
}

std::optional<std::string> date_cn(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto digits = [&](std::size_t from, std::size_t n) -> int {
    int v = 0;
    for (std::size_t k = from; k < from + n; ++k) {
      if (s[k] < '0' || s[k] > '9') return -1;
      v = v * 10 + (s[k] - '0');
    }
    return v;
  };
  const int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (y < 1 || m < 1 || m > 12 || d < 1) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int max = m == 2 && is_leap(y) ? 29 : kDays[m - 1];
  if (d > max) return std::nullopt;
  return std::to_string(y) + "年" + std::to_string(m) + "月" + std::to_string(d) + "日";
}

Rendered render(const Template& t, const Lookup& lookup) {
  Rendered out;
  std::unordered_set<std::string_view> missing_seen;  // views of the template's names
  std::unordered_set<std::string> invalid_seen;
  for (const auto& seg : t.segments) {
    if (!seg.is_placeholder) {
      out.text += seg.text;
      continue;
    }
    std::optional<std::string> value;
    if (seg.name.empty()) {
      value = seg.text;
    } else {
      value = lookup(seg.name);
    }
    bool invalid = false;
    for (const auto& f : seg.filters) {
      if (f.kind == FilterKind::default_value) {
        if (!value) value = f.argument;
      } else if (value) {
        auto converted = date_cn(*value);
        if (!converted) {
          const std::string who = seg.name.empty() ? quoted(seg.text) : seg.name;
          add_once(out.invalid, invalid_seen,
                   who + ": " + quoted(*value) + " is not a date in the form YYYY-MM-DD (date_cn)");
          if (!seg.name.empty()) add_once(out.missing, missing_seen, seg.name);
          invalid = true;
          break;
        }
        value = std::move(converted);
      }
    }
    if (invalid) continue;
    if (!value) {
      add_once(out.missing, missing_seen, seg.name);
      continue;
    }
    out.text += *value;
  }
  return out;
}

namespace {

// The declared params as a tree of their dotted parts. A param covers a name when its parts
// begin the name's ("holiday" covers "holiday.name" and "holiday.start.day"), so one walk along
// the name's parts answers: hashing every prefix of a name of 100,000 parts was quadratic.
// Holds views of `params`, which must outlive it.
class ParamTree {
 public:
  explicit ParamTree(const std::vector<std::string>& params) {
    terminal_.push_back(false);  // the root
    for (const auto& p : params) {
      std::size_t node = 0;
      for_each_part(p, [&](std::string_view part) {
        const auto [it, added] = children_.try_emplace({node, part}, terminal_.size());
        if (added) terminal_.push_back(false);
        node = it->second;
        return true;
      });
      terminal_[node] = true;
    }
  }

  bool covers(std::string_view name) const {
    std::size_t node = 0;
    bool covered = false;
    for_each_part(name, [&](std::string_view part) {
      const auto it = children_.find({node, part});
      if (it == children_.end()) return false;
      node = it->second;
      covered = terminal_[node];
      return !covered;
    });
    return covered;
  }

 private:
  using Key = std::pair<std::size_t, std::string_view>;  // parent node, part
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return std::hash<std::string_view>{}(k.second) ^ (k.first * 0x9E3779B97F4A7C15ull);
    }
  };

  // Calls f(part) for each '.'-separated part until f returns false.
  template <typename F>
  static void for_each_part(std::string_view s, F&& f) {
    for (;;) {
      const auto dot = s.find('.');
      if (!f(s.substr(0, dot)) || dot == std::string_view::npos) return;
      s.remove_prefix(dot + 1);
    }
  }

  std::unordered_map<Key, std::size_t, KeyHash> children_;
  std::vector<bool> terminal_;  // by node: a param ends here
};

void check_param_names(const std::vector<std::string>& params, std::vector<std::string>& problems) {
  for (const auto& p : params)
    if (!is_valid_name(p))
      problems.push_back("params: " + quoted(p) +
                         " is not a valid name (letters, digits and '_', starting with a letter "
                         "or '_', parts separated by '.')");
}

void check_placeholders(const Template& t, const std::vector<std::string>& params,
                        std::vector<std::string>& problems) {
  const ParamTree declared(params);
  std::unordered_set<std::string_view> reported;
  PositionCursor positions(t.body);  // segments come in body order
  for (const auto& seg : t.segments) {
    if (!seg.is_placeholder || seg.name.empty()) continue;
    if (is_builtin(seg.name) || declared.covers(seg.name)) continue;
    if (!reported.insert(seg.name).second) continue;
    const auto p = positions.at(seg.offset);
    ParseError e{seg.offset, p.line, p.column,
                 "unknown placeholder " + quoted(seg.name) +
                     " (not a builtin and not in params; builtins: name, title, unit, today, "
                     "today_cn, now, year, month, day)"};
    problems.push_back(e.to_string());
  }
}

}  // namespace

std::vector<std::string> validate(std::string_view body, const std::vector<std::string>& params) {
  std::vector<std::string> problems;
  check_param_names(params, problems);
  const Parsed parsed = parse(body);
  if (!parsed.ok()) {
    problems.push_back(parsed.error->to_string());
    return problems;
  }
  check_placeholders(*parsed.tmpl, params, problems);
  return problems;
}

std::vector<std::string> validate(const Template& t, const std::vector<std::string>& params) {
  std::vector<std::string> problems;
  check_param_names(params, problems);
  check_placeholders(t, params, problems);
  return problems;
}

std::vector<std::string> infer_params(const Template& t) {
  std::vector<std::string> out;
  for (const auto& name : placeholders(t))
    if (!is_builtin(name)) out.push_back(name);
  return out;
}

}  // namespace smsgw::templates
