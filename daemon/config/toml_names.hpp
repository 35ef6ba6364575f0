#pragma once
// How TOML values are named in error messages ("must be a string, not an integer"), shared by
// every loader of TOML files (smsgw.toml, templates/*.toml, calendar/*.toml) so their messages
// read alike.

#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace smsgw::config {

inline std::string_view toml_type_name(const toml::node& node) noexcept {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// Problems quote keys and values from the file, and toml++'s parse errors quote the offending
// character: a control character there would split the one-problem-per-line output (a raw
// newline) or reach the operator's terminal (ESC). They are written as \n, \r, \t or \xNN.
inline std::string escape_controls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b != 0x7F) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

}  // namespace smsgw::config
