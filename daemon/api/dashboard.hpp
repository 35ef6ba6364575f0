#pragma once
// The console's home page (GET /v1/dashboard; docs/api.md "Dashboard") as plain functions of
// what the route reads: the periods it counts, the delivery rate, the next firings across
// schedules and the calendar warnings. routes_dashboard.cpp reads the store, the schedules and
// the dispatcher and calls these; they touch nothing themselves, so tests call them directly.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calendar/calendar.hpp"
#include "common/timezone.hpp"
#include "common/types.hpp"
#include "schedule/rule.hpp"

namespace smsgw::api {

// Monday 00:00 local time of the week containing `now` (weeks start on Monday in China, as in
// ISO 8601).
UnixMs start_of_local_week(UnixMs now, const TimeZone& tz);

// delivered / (delivered + failed + expired): the share delivered of the messages whose
// outcome is known. Cancelled messages are left out (somebody decided they should not go) and
// so are sent ones (no report yet). nullopt while no message has an outcome.
std::optional<double> delivery_rate(const std::map<Status, std::int64_t>& by_status);

// One firing of a schedule.
struct Firing {
  std::string schedule;  // its name
  std::int64_t id = 0;
  schedule::Occurrence occurrence;
};

// The first `count` of `firings` in time order (ties by schedule id, then occurrence): the
// next firings across all schedules, from each one's own next few.
std::vector<Firing> earliest_firings(std::vector<Firing> firings, std::size_t count);

// The console warns while holiday reminders would fire on estimated dates (calendar.hpp): for
// the current year without official data, and for next year without it from this many days
// before 1 January (the State Council publishes next year's notice around November, so the
// warning is up before the notice and tells staff what to watch for).
inline constexpr int kNextYearWarningDays = 90;

struct CalendarWarning {
  std::string code;     // "no_official_calendar" or "estimated_holiday"
  int year = 0;
  std::string message;  // English; the console shows its own words for each code
  std::vector<Firing> firings;  // estimated_holiday: the next firings on estimated dates
};

// Warnings on local date `today`. `next`: the next firing of each enabled schedule; those on
// an estimated holiday make one estimated_holiday warning per year. Ordered by year, the
// year's missing calendar first.
std::vector<CalendarWarning> calendar_warnings(const calendar::Calendar& cal, calendar::Date today,
                                               const std::vector<Firing>& next);

}  // namespace smsgw::api
