#pragma once
// Quiet hours: a daily local window (e.g. 22:00-08:00, may wrap midnight) in which non-urgent
// messages are not sent. A message whose due time falls inside the window is deferred to the
// window's end; urgent messages are never deferred.

#include <optional>
#include <string>
#include <string_view>

#include "common/timezone.hpp"
#include "common/types.hpp"

namespace smsgw::schedule {

struct QuietHours {
  int start_minute = 0;  // minutes after local midnight, 0..1439
  int end_minute = 0;    // exclusive; start == end means "off"
  bool enabled() const noexcept { return start_minute != end_minute; }
};

// "22:00-08:00" (HH:MM-HH:MM, 24-hour) or "off" / "" for none. nullopt with `error` set
// otherwise.
std::optional<QuietHours> parse_quiet_hours(std::string_view text, std::string& error);
std::string to_string(const QuietHours& q);  // "22:00-08:00" or "off"

bool in_quiet_hours(const QuietHours& q, const TimeZone& tz, UnixMs t);
// `due` if it is outside the window, else the instant the window ends (local time).
UnixMs defer_past_quiet_hours(const QuietHours& q, const TimeZone& tz, UnixMs due);
// Applies the rule to a message: urgent ones are never deferred.
inline UnixMs quiet_due(const QuietHours& q, const TimeZone& tz, Priority p, UnixMs due) {
  return p == Priority::urgent ? due : defer_past_quiet_hours(q, tz, due);
}

}  // namespace smsgw::schedule
