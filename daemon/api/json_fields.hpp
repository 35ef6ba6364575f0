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

}  // namespace smsgw::api
