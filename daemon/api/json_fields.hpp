#pragma once
// Reading the fields of a JSON request body into field errors (problem+json `errors`), shared
// by the route files. Internal to smsgw_api.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/field_error.hpp"

namespace smsgw::api {

// "1 field is invalid", "3 fields are invalid".
std::string errors_detail(std::size_t n);
// Every key of `doc` not in `known` is an error ("unknown field").
void unknown_fields(const nlohmann::json& doc, std::initializer_list<std::string_view> known,
                    std::vector<FieldError>& errors);
// A string field: nullopt when absent; an error when present but not a string.
std::optional<std::string> string_field(const nlohmann::json& doc, const char* name,
                                        std::vector<FieldError>& errors);
// A phone number field, normalised to E.164; an error (the reason) when it is no mobile number.
std::optional<std::string> phone_field(const nlohmann::json& doc, std::vector<FieldError>& errors,
                                       const char* name = "phone");

// A name that is also a URL path segment (templates, polls): a letter or digit, then letters,
// digits, '_', '-' and '.', at most 64.
bool valid_name(std::string_view s);

// One CSV cell for Excel: quoted when it must be, and a cell starting with = + - @ prefixed
// with ' (people's texts are not formulas).
std::string csv_cell(const std::string& v);

}  // namespace smsgw::api
