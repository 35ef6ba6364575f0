#pragma once
// Message templates: "{{placeholder}}" syntax with a real parser. Parsing reports the first
// error with its position; rendering never guesses: a value that is missing is reported by name,
// never rendered as a blank.
//
// Syntax: literal text with placeholders {{ name }} or {{ name | filter }} or
// {{ name | filter:"argument" }}; filters chain left to right ({{ d | date_cn | default:"待定" }}).
// Whitespace (spaces, tabs, line breaks) is allowed anywhere inside the braces.
// Names: [A-Za-z_][A-Za-z0-9_]* optionally dotted ("holiday.name").
// A quoted string in place of a name is output as is: that is how a literal "{{" or "}}" is
// written: {{ '{{' }} and {{ "}}" }}. Strings take "..." or '...', without escapes (use the other
// quote to include one). A single "{" or "}" is plain text; "}}" outside a placeholder is an
// error, as are an unclosed "{{", empty names, bad name characters, unknown filters and
// missing, unquoted or unterminated filter arguments. The first error is reported with its
// line and column (columns count characters, so Chinese text counts one per character).
// Filters:
//   default:"text"  the value used when the name has none (so the name is not required)
//   date_cn         "2026-11-26" -> "2026年11月26日"; a value that is not a YYYY-MM-DD date is
//                   an error at render time (reported in Rendered::invalid and ::missing)

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/timezone.hpp"

namespace smsgw::templates {

struct ParseError {
  std::size_t offset = 0;  // byte offset in the body
  int line = 1;            // 1-based
  int column = 1;          // 1-based, in characters (code points), not bytes
  std::string message;     // e.g. "unknown filter \"upper\" (known: date_cn, default)"
  std::string to_string() const;  // "line 2, column 7: message"
};

struct Template;  // parsed form; opaque outside template.cpp
struct TemplateDeleter { void operator()(Template*) const noexcept; };

struct Parsed {
  std::unique_ptr<Template, TemplateDeleter> tmpl;  // set when ok
  std::optional<ParseError> error;
  bool ok() const { return error == std::nullopt; }
};

Parsed parse(std::string_view body);

// Placeholder names used by the template, each once, in order of first use. Names whose
// every use has a default filter are included too (callers decide what is required).
std::vector<std::string> placeholders(const Template& t);
// Names that must have a value for rendering to succeed (used without a default).
std::vector<std::string> required_placeholders(const Template& t);

// Per-recipient and date names that are always available at send time.
// name, title, unit, today (YYYY-MM-DD in the daemon's timezone), today_cn (2026年11月26日),
// now (HH:MM), year, month, day.
bool is_builtin(std::string_view name);

// The value of a date builtin (today, today_cn, now, year, month, day) at local time `local`;
// nullopt for any other name. month and day have no leading zero ("11", "6"), like today_cn.
std::optional<std::string> date_builtin(std::string_view name, const CivilTime& local);

// "2026-11-26" -> "2026年11月26日" (no leading zeros); nullopt if not a valid YYYY-MM-DD date.
std::optional<std::string> date_cn(std::string_view iso_date);

// Looks a value up by name; nullopt = no value.
using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

struct Rendered {
  std::string text;
  std::vector<std::string> missing;  // names without a value (and without a default); text
                                     // is not meaningful when non-empty
  // Values a filter could not use, "name: reason" (e.g. date_cn on "soon"). Their names are
  // also in `missing`, so a caller that only checks `missing` never sends a broken text.
  std::vector<std::string> invalid;
  bool ok() const { return missing.empty() && invalid.empty(); }
};

Rendered render(const Template& t, const Lookup& lookup);

// Validation at save time: the body parses, and every placeholder is a builtin or declared in
// `params`. Returns problems (empty = valid), each naming the placeholder and its position
// ("line 1, column 5: ..."). A declared param also covers dotted names below it: "holiday"
// covers {{holiday.name}}. Params must be valid names themselves.
std::vector<std::string> validate(std::string_view body, const std::vector<std::string>& params);
// The same for a body parsed already (the API parses once for the error's position and the
// inferred params).
std::vector<std::string> validate(const Template& t, const std::vector<std::string>& params);

// Declared params for a body when the author gave none: its non-builtin placeholders.
std::vector<std::string> infer_params(const Template& t);

}  // namespace smsgw::templates
