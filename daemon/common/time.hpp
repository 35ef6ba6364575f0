#pragma once
// Wall-clock time: RFC 3339 in the API, UnixMs everywhere else.

#include <optional>
#include <string>
#include <string_view>

#include "common/types.hpp"

namespace smsgw {

UnixMs now_ms() noexcept;

// "2026-11-26T09:30:00Z", "2026-11-26T17:30:00+08:00", "2026-11-26T09:30:00.250Z".
// A date-time without an offset is rejected: RFC 3339 requires one, and guessing is how
// reminders go out eight hours early.
std::optional<UnixMs> parse_rfc3339(std::string_view text);

// Always UTC with millisecond precision when non-zero: "2026-11-26T09:30:00Z" / "...00.250Z".
std::string format_rfc3339(UnixMs t);

}  // namespace smsgw
