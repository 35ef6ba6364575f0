#pragma once
// JSON from the network, parsed with limits enforced by the parser itself: nesting depth and
// the number of values are checked as each one is read (SAX), so an over-deep or over-long
// document is refused before anything holds it whole. nlohmann's copy and comparison are
// recursive; a document nested 200,000 levels deep would overflow the stack the first time it
// is copied, so no such document may ever exist in the process.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace smsgw {

struct JsonLimits {
  std::size_t max_depth = 64;           // objects and arrays nested inside each other
  std::size_t max_elements = 250'000;   // values of any kind, keys not counted
};

enum class JsonFailure {
  none,
  syntax,        // not JSON (or not UTF-8)
  too_deep,      // nesting beyond max_depth
  too_many,      // more than max_elements values
};

struct JsonParse {
  nlohmann::json value;  // discarded (null) unless failure == none
  JsonFailure failure = JsonFailure::none;
  std::size_t limit = 0;  // the limit that was exceeded (too_deep / too_many)
  bool ok() const noexcept { return failure == JsonFailure::none; }
  // One sentence for a problem's detail: "the JSON body nests deeper than 64 levels".
  std::string describe(std::string_view what = "the JSON body") const;
};

// Never throws for any input.
JsonParse parse_json(std::string_view text, const JsonLimits& limits = {});

}  // namespace smsgw
