#include "api/json_fields.hpp"

#include "config/config.hpp"

#include "common/phone.hpp"

namespace smsgw::api {

using json = nlohmann::json;

std::string errors_detail(std::size_t n) {
  return n == 1 ? "1 field is invalid" : std::to_string(n) + " fields are invalid";
}

void unknown_fields(const json& doc, std::initializer_list<std::string_view> known,
                    std::vector<FieldError>& errors) {
  for (const auto& [key, value] : doc.items()) {
    bool found = false;
    for (auto k : known) found = found || k == key;
    if (!found) errors.push_back({key, "unknown field"});
  }
}

std::optional<std::string> string_field(const json& doc, const char* name,
                                        std::vector<FieldError>& errors) {
  auto it = doc.find(name);
  if (it == doc.end()) return std::nullopt;
  if (!it->is_string()) {
    errors.push_back({name, "must be a string"});
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<std::string> phone_field(const json& doc, std::vector<FieldError>& errors,
                                       const char* name) {
  auto s = string_field(doc, name, errors);
  if (!s) return std::nullopt;
  PhoneResult p = normalize_phone(*s);
  if (!p.ok()) {
    errors.push_back({name, p.error});
    return std::nullopt;
  }
  return p.e164;
}

bool valid_name(std::string_view s) { return config::is_token_name(s); }

std::string csv_cell(const std::string& v) {
  std::string s = v;
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) s = "'" + s;
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

}  // namespace smsgw::api
