#pragma once
// Whether the daemon is running on an estimated calendar it should not be. The State Council
// publishes next year's holidays in October or November (2023-10-25, 2024-11-12, 2025-11-04),
// so from 1 December of year Y the official calendar of Y+1 is expected to be loaded; the
// current year's always is. A year that is missing is estimated (calendar.hpp), and holiday
// schedules in it may fire on the wrong day: smsgwd warns and sets a gauge so ops can add it.

#include <vector>

#include "calendar/calendar.hpp"
#include "common/timezone.hpp"
#include "common/types.hpp"

namespace smsgw::calendar {

// The last year whose official calendar is needed on local date `today`: today's year, or
// the next one from 1 December.
int last_year_needed(Date today) noexcept;

// The years needed on `today` (its year, and from 1 December the next) without an official
// calendar in `cal`, ascending; empty when everything needed is loaded.
std::vector<int> missing_official_years(const Calendar& cal, Date today);
// The same at instant `now`, with `today` taken in the daemon's time zone.
std::vector<int> missing_official_years(const Calendar& cal, UnixMs now, const TimeZone& tz);

// The highest official year in `cal`, or 0 if it has none.
int last_official_year(const Calendar& cal);

// The start of the local day after the one containing `now`: when the answer above may change.
UnixMs next_local_midnight(UnixMs now, const TimeZone& tz);

}  // namespace smsgw::calendar
