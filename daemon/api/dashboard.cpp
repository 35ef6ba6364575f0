#include "api/dashboard.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace smsgw::api {

UnixMs start_of_local_week(UnixMs now, const TimeZone& tz) {
  const CivilTime c = tz.to_local(now);
  const int days_since_monday = (c.weekday + 6) % 7;
  const calendar::Date monday = calendar::add_days({c.year, c.month, c.day}, -days_since_monday);
  return tz.from_local(monday.year, monday.month, monday.day, 0, 0, 0);
}

std::optional<double> delivery_rate(const std::map<Status, std::int64_t>& by_status) {
  auto count = [&](Status s) {
    auto it = by_status.find(s);
    return it == by_status.end() ? std::int64_t{0} : it->second;
  };
  const std::int64_t delivered = count(Status::delivered);
  const std::int64_t known = delivered + count(Status::failed) + count(Status::expired);
  if (known == 0) return std::nullopt;
  return static_cast<double>(delivered) / static_cast<double>(known);
}

std::vector<Firing> earliest_firings(std::vector<Firing> firings, std::size_t count) {
  auto order = [](const Firing& a, const Firing& b) {
    return std::tie(a.occurrence.at, a.id, a.occurrence.key) < std::tie(b.occurrence.at, b.id, b.occurrence.key);
  };
  if (firings.size() > count) {
    std::partial_sort(firings.begin(), firings.begin() + static_cast<std::ptrdiff_t>(count), firings.end(), order);
    firings.resize(count);
  } else {
    std::sort(firings.begin(), firings.end(), order);
  }
  return firings;
}

namespace {

// The year a break belongs to: its notice's. Only 元旦 crosses a year's end, and it is in the
// notice of the year it opens (2023's break began on 31 December 2022).
int year_of(const calendar::Holiday& h) { return h.end.year; }

CalendarWarning missing_year(int year, bool current) {
  const std::string y = std::to_string(year);
  std::string message = "no official holiday calendar for ";
  message += y;
  if (current) {
    message += " is loaded: its holidays and make-up workdays are estimated, so holiday reminders in ";
    message += y;
    message += " may fire on the wrong day; add the State Council's notice (docs/calendar.md)";
  } else {
    message += " is loaded yet: holiday reminders in ";
    message += y;
    message += " use estimated dates until the State Council's notice (published around November) is "
               "added (docs/calendar.md)";
  }
  return {"no_official_calendar", year, std::move(message), {}};
}

CalendarWarning estimated_firings(int year, std::vector<Firing> firings) {
  std::string names, holidays;
  std::set<std::string> seen;  // a break named once, however many schedules fire for it
  for (const Firing& f : firings) {
    if (!names.empty()) names += ", ";
    names += f.schedule;
    const std::string& h = f.occurrence.holiday->name;
    if (!seen.insert(h).second) continue;
    if (!holidays.empty()) holidays += ", ";
    holidays += h;
  }
  const std::string y = std::to_string(year);
  std::string message = firings.size() == 1 ? "schedule " : "schedules ";
  message += names;
  message += firings.size() == 1 ? " next fires" : " next fire";
  message += " on estimated ";
  message += y;
  message += " holiday dates (";
  message += holidays;
  message += "): check them once the official calendar for ";
  message += y;
  message += " is loaded";
  return {"estimated_holiday", year, std::move(message), std::move(firings)};
}

}  // namespace

std::vector<CalendarWarning> calendar_warnings(const calendar::Calendar& cal, calendar::Date today,
                                               const std::vector<Firing>& next) {
  std::map<int, std::vector<CalendarWarning>> by_year;
  if (!cal.official(today.year)) by_year[today.year].push_back(missing_year(today.year, true));
  const int next_year = today.year + 1;
  const std::int64_t days_left = calendar::to_days({next_year, 1, 1}) - calendar::to_days(today);
  if (days_left <= kNextYearWarningDays && !cal.official(next_year)) {
    by_year[next_year].push_back(missing_year(next_year, false));
  }
  std::map<int, std::vector<Firing>> estimated;
  for (const Firing& f : next) {
    if (f.occurrence.holiday && f.occurrence.holiday->estimated) {
      estimated[year_of(*f.occurrence.holiday)].push_back(f);
    }
  }
  for (auto& [year, firings] : estimated) by_year[year].push_back(estimated_firings(year, std::move(firings)));
  std::vector<CalendarWarning> out;
  for (auto& [year, warnings] : by_year) {
    for (auto& w : warnings) out.push_back(std::move(w));
  }
  return out;
}

}  // namespace smsgw::api
