#pragma once
// How TOML values are named in error messages ("must be a string, not an integer"), shared by
// every loader of TOML files (smsgw.toml, templates/*.toml) so their messages read alike.

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

}  // namespace smsgw::config
