#pragma once
// Small HTTP/JSON helpers shared by the route files (router.cpp, routes_directory.cpp).

#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/router.hpp"
#include "common/types.hpp"

namespace smsgw::api {

bool starts_with(std::string_view s, std::string_view prefix);
std::string_view path_of(std::string_view target);
std::string_view query_of(std::string_view target);
// A positive decimal id (as in URLs and cursors), nullopt otherwise.
std::optional<std::int64_t> parse_id(std::string_view s);
// RFC 3986 percent-decoding. '+' stays '+' (not a space) so "+86..." works unencoded.
std::optional<std::string> percent_decode(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view s);
// "application/json" with any parameters (charset=utf-8); JSON has no other charset.
bool is_json_content_type(std::string_view ct);
bool valid_idempotency_key(std::string_view key);
nlohmann::json time_or_null(UnixMs t);
nlohmann::json time_or_null(const std::optional<UnixMs>& t);
nlohmann::json string_or_null(const std::string& s);
// With `masked`, the number is masked (mask_phone) in "to" and wherever last_error repeats it.
nlohmann::json message_json(const store::MessageRow& m, bool masked = false);
// `text` with every occurrence of the E.164 number `e164` masked, in the forms carriers write it
// in errors: "+8613800138000", "8613800138000", "13800138000".
std::string mask_number_in(std::string text, const std::string& e164);
std::string dump(const nlohmann::json& j);
Response json_response(unsigned status, std::string body);
std::string_view verb_name(boost::beast::http::verb v);

// Calls fn(key, value) for each decoded "key=value" pair of the target's query string; false
// when the percent-encoding is malformed.
bool for_each_query_param(std::string_view target,
                          const std::function<void(const std::string&, const std::string&)>& fn);

}  // namespace smsgw::api
