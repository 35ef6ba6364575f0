#pragma once
// Route matching as a pure function over a table of patterns, so it can be tested and fuzzed
// without a router. A pattern is a path whose "{name}" segments each match one non-empty path
// segment ("/v1/messages/{id}"). Matching is total: no input makes it throw or read out of
// bounds, whatever the target holds.
//
// Rows with the same pattern string form one resource; the first row (in table order) whose
// pattern matches the path picks the resource, so literal patterns must come before the
// parameter patterns they overlap ("/v1/recipients/import" before "/v1/recipients/{id}").
// Then the resource's rows are searched for the method: none means 405 with an Allow list.

#include <boost/beast/http/verb.hpp>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::api {

struct RoutePattern {
  boost::beast::http::verb method;
  std::string_view pattern;
};

struct RouteMatch {
  enum class Kind {
    found,               // `index` is the row
    not_found,           // no pattern matches the path
    method_not_allowed,  // the path is a resource, the method is not one of its rows
    bad_path,            // a parameter segment has malformed percent-encoding
  };
  Kind kind = Kind::not_found;
  std::size_t index = 0;
  // The matched pattern (metrics label, logs: never the raw path, which may hold a secret),
  // "other" when nothing matched.
  std::string_view label = "other";
  std::vector<std::string> params;  // percent-decoded, in pattern order (found only)
  std::string allow;                // "GET, POST" (method_not_allowed only)
};

RouteMatch match_route(std::span<const RoutePattern> table, boost::beast::http::verb method,
                       std::string_view target) noexcept;

// Just the resource's label for a target (for responses the server writes before routing).
std::string_view route_label(std::span<const RoutePattern> table, std::string_view target) noexcept;

}  // namespace smsgw::api
