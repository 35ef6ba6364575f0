#pragma once
// China's public holidays and workdays. Official years come from data files (config/calendar/
// <year>.toml, one per State Council notice, docs/calendar.md has the format): the shipped
// ones are compiled into smsgwd (builtin_years.hpp) and files in daemon.calendar_dir add years
// or replace them. Any other year in 1901-2100 is laid out from the lunar table (lunar.hpp)
// with the holiday rules in force since 2025, and every holiday in it is marked estimated.
//
// A Calendar is immutable once built: SIGHUP builds a new one and swaps a shared_ptr, so
// readers on any thread need no lock.

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::calendar {

// A civil date (proleptic Gregorian), no time zone.
struct Date {
  int year = 1970, month = 1, day = 1;
  auto operator<=>(const Date&) const = default;
};

std::int64_t to_days(Date d) noexcept;   // days since 1970-01-01
Date from_days(std::int64_t days) noexcept;
Date add_days(Date d, std::int64_t n) noexcept;
int weekday(Date d) noexcept;            // 0 = Sunday ... 6 = Saturday
int days_in_month(int year, int month) noexcept;
std::optional<Date> parse_date(std::string_view yyyy_mm_dd);  // strict "YYYY-MM-DD", valid date
std::string to_string(Date d);                                // "YYYY-MM-DD"

inline constexpr int kFirstYear = 1901;  // range of the lunar table: estimated years
inline constexpr int kLastYear = 2100;

// The seven public holidays. Keys are stable identifiers used in schedules and the API.
struct Festival {
  std::string_view key;   // "new_year", "spring_festival", "qingming", "labour_day",
                          // "dragon_boat", "mid_autumn", "national_day"
  std::string_view name;  // 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节
};
const std::vector<Festival>& festivals();  // in calendar order as above
// Accepts a key, the Chinese name, or the name without 节 (清明, 端午, 中秋, 国庆).
std::optional<Festival> find_festival(std::string_view key_or_name);

// One break: consecutive days off named by the notice.
struct Holiday {
  std::string name;               // as the notice names it: "春节", "国庆节、中秋节"
  std::vector<std::string> keys;  // festivals it covers: {"national_day", "mid_autumn"} for a merged break
  Date start, end;                // inclusive; every day in between is off
  int days = 0;                   // end - start + 1
  bool estimated = false;
};

struct YearCalendar {
  int year = 0;
  bool official = false;  // from a data file
  std::string source;     // the notice's URL for an official year ("" if none given)
  std::string file;       // an official year's data file; "" for a year built into smsgwd
  std::vector<Holiday> holidays;       // by start date
  std::vector<Date> makeup_workdays;   // 调休上班: weekend days that are workdays; sorted
};

struct DayInfo {
  Date date;
  bool workday = false;
  std::optional<Holiday> holiday;  // the break containing the date, if any
};

// A data file that cannot be read or is malformed: "file:line: message".
class CalendarError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A data file in calendar_dir that replaced the year of the same number built into smsgwd.
struct BuiltinOverride {
  int year = 0;
  std::string file;
  bool same_data = false;  // same breaks, make-up days and source as the built-in year
};

class Calendar {
 public:
  // No official data: every year in range is estimated (for tests of the estimates).
  Calendar();
  // What smsgwd runs with: the official years built into the binary, then every <year>.toml
  // in `dir`, which adds years and replaces built-in years of the same number (overrides()).
  // `dir` "" means the built-in years only; a `dir` that does not exist is an error. Throws
  // CalendarError like load_dir.
  static Calendar load(const std::string& dir);
  // The built-in years alone (parsed once per process; the text is the shipped files').
  static Calendar builtin();
  // Only the <year>.toml files in `dir`, without the built-in years (other files are ignored;
  // a missing dir is an error). Throws CalendarError naming file and line for the first
  // problem in each bad file (all problems joined by newlines).
  static Calendar load_dir(const std::string& dir);
  // One file's text, for tests and for load_dir. Throws CalendarError.
  static YearCalendar parse_year_file(std::string_view toml_text, const std::string& source_name);
  // Builds from already parsed official years (later entries for the same year win).
  explicit Calendar(std::vector<YearCalendar> official_years);

  bool in_range(int year) const noexcept { return year >= kFirstYear && year <= kLastYear; }
  bool official(int year) const;
  std::vector<int> official_years() const;  // ascending
  // Built-in years that load() replaced with a file, ascending by year.
  const std::vector<BuiltinOverride>& overrides() const noexcept { return overrides_; }
  // Official data if a file exists for the year, else the estimated layout. Years out of
  // range give an empty, non-official YearCalendar.
  const YearCalendar& year(int year) const;

  // Workday rule: a make-up day is a workday even on a weekend; a day inside a holiday is
  // not a workday even on a weekday; otherwise Monday to Friday are workdays.
  bool is_workday(Date d) const;
  DayInfo day(Date d) const;
  // Breaks overlapping [from, to], by start date (they come from the years involved).
  std::vector<Holiday> holidays_between(Date from, Date to) const;
  // The n-th workday strictly after (n > 0) or strictly before (n < 0) d; n = 0 returns d.
  Date add_workdays(Date d, int n) const;

 private:
  std::map<int, YearCalendar> official_;
  std::vector<BuiltinOverride> overrides_;
  // Estimated years are computed on first use and cached; guarded for concurrent readers.
  struct Cache;
  std::shared_ptr<Cache> cache_;
};

// The estimated layout of one year (1901-2100) from the lunar table and the rules in force
// since 2025 (see calendar.cpp). Exposed for tests and for comparing against official data.
YearCalendar estimate_year(int year);

}  // namespace smsgw::calendar
