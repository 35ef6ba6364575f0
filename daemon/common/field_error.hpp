#pragma once
// One invalid field of a request or a spec, for 422 answers and CLI messages. Shared by the
// API, the send planning and the schedule rules, which sit below the API.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/text_check.hpp"

namespace smsgw {

struct FieldError {
  std::string field;    // JSON field or query parameter, e.g. "to[2]", "limit"
  std::string message;
};

// Adds {field, "must not contain control characters (...)"} when `value` holds one
// (common/text_check.hpp); absent values pass.
inline void reject_control_characters(std::vector<FieldError>& errors, std::string_view field,
                                      std::string_view value,
                                      Newlines newlines = Newlines::reject) {
  if (auto problem = control_character_problem(value, newlines))
    errors.push_back({std::string(field), std::move(*problem)});
}
inline void reject_control_characters(std::vector<FieldError>& errors, std::string_view field,
                                      const std::string& value,
                                      Newlines newlines = Newlines::reject) {
  reject_control_characters(errors, field, std::string_view(value), newlines);
}
inline void reject_control_characters(std::vector<FieldError>& errors, std::string_view field,
                                      const std::optional<std::string>& value,
                                      Newlines newlines = Newlines::reject) {
  if (value) reject_control_characters(errors, field, std::string_view(*value), newlines);
}

}  // namespace smsgw
