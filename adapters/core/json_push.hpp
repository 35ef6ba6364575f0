#pragma once
// What the JSON-pushing carriers (云MAS, Aliyun, Tencent) share when parse_callback reads a
// push: one object or an array of objects, bounded, and their members read leniently.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/types.hpp"

namespace smsgw::adapters {

// Parses `body` into `doc` and points `items` at its 1..kMaxReportsPerCallback elements (or at
// `doc` itself when it is one value). The error ("" = usable) names what is wrong.
std::string parse_push(std::string_view body, nlohmann::json& doc,
                       std::vector<const nlohmann::json*>& items);

// A string member, or an integer one as decimal text; "" when absent or of another type.
std::string push_text(const nlohmann::json& item, const char* key);

// The prefix of an error about item `i`: "report 3: " when the push holds many, else "".
std::string push_where(std::size_t count, std::size_t i);

// China's time (UTC+8, no daylight saving), as the Chinese carriers count their days.
// "2026-12-01 09:00:05" there, as Aliyun and Tencent write times; nullopt otherwise.
std::optional<UnixMs> china_local_time(const std::string& text);
// yyyyMMdd of `t` there (Aliyun's SendDate).
std::string china_date(UnixMs t);
// From `now` until the next `hour`:00 there (quotas reset at midnight, marketing SMS at 08:00).
std::chrono::milliseconds until_china_hour(UnixMs now, int hour);

}  // namespace smsgw::adapters
