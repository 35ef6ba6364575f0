#pragma once
// Message templates: "{{placeholder}}" syntax with a real parser. Parsing reports the first
// error with its position; rendering never guesses: a value that is missing is reported by name,
// never rendered as a blank.
//
// Syntax: literal text with placeholders {{ name }} or {{ name | filter }} or
// {{ name | filter:"argument" }}. Names: [A-Za-z_][A-Za-z0-9_]* optionally dotted
// ("holiday.name"). "{{{{" is not special; a literal "{{" is written "{{ '{{' }}" — see
// docs/admin-guide.md for the exact rules chosen. Unbalanced braces, empty names, unknown
// filters and bad filter arguments are errors.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Looks a value up by name; nullopt = no value.
using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

struct Rendered {
  std::string text;
  std::vector<std::string> missing;  // names without a value (and without a default); text
                                     // is not meaningful when non-empty
};

Rendered render(const Template& t, const Lookup& lookup);

// Validation at save time: the body parses, and every placeholder is a builtin or declared in
// `params`. Returns problems (empty = valid), each naming the placeholder and its position.
std::vector<std::string> validate(std::string_view body, const std::vector<std::string>& params);

// Declared params for a body when the author gave none: its non-builtin placeholders.
std::vector<std::string> infer_params(const Template& t);

}  // namespace smsgw::templates
