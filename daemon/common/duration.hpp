#pragma once
// Durations in config: "200ms", "5s", "30m", "6h", "1d", or combinations like "1h30m".

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace smsgw {

// nullopt for anything malformed (empty, no unit, unknown unit, negative, overflow).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// Shortest exact form: 1500ms -> "1500ms", 30000ms -> "30s", 5400000ms -> "90m".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace smsgw
