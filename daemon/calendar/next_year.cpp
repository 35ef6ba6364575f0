#include "calendar/next_year.hpp"

namespace smsgw::calendar {
namespace {

Date local_date(UnixMs t, const TimeZone& tz) {
  const CivilTime c = tz.to_local(t);
  return Date{c.year, c.month, c.day};
}

}  // namespace

int last_year_needed(Date today) noexcept { return today.month == 12 ? today.year + 1 : today.year; }

std::vector<int> missing_official_years(const Calendar& cal, Date today) {
  std::vector<int> missing;
  for (int y = today.year; y <= last_year_needed(today); ++y) {
    if (!cal.official(y)) missing.push_back(y);
  }
  return missing;
}

std::vector<int> missing_official_years(const Calendar& cal, UnixMs now, const TimeZone& tz) {
  return missing_official_years(cal, local_date(now, tz));
}

int last_official_year(const Calendar& cal) {
  const std::vector<int> years = cal.official_years();
  return years.empty() ? 0 : years.back();
}

UnixMs next_local_midnight(UnixMs now, const TimeZone& tz) {
  const Date tomorrow = add_days(local_date(now, tz), 1);
  return tz.from_local(tomorrow.year, tomorrow.month, tomorrow.day, 0, 0, 0);
}

}  // namespace smsgw::calendar
