#pragma once
// The traditional festival dates for 1901-2100 from a lunar-year table (new moons and leap
// months precomputed for China's time zone; encoding in lunar.cpp) and the Qingming solar
// term. Deliberately not ICU: ICU 72 puts Spring Festival 2027 and 2030 a day late.

#include <optional>

#include "calendar/calendar.hpp"

namespace smsgw::calendar {

struct LunarDate {
  int year = 0;   // lunar year (the Gregorian year in which it begins)
  int month = 1;  // 1..12
  int day = 1;    // 1..30
  bool leap = false;  // the intercalary month that follows `month`
};

// Gregorian date of a lunar date; nullopt outside the table or for a day/leap month that does
// not exist in that year.
std::optional<Date> from_lunar(const LunarDate& d);
// Lunar date of a Gregorian date; nullopt outside the table.
std::optional<LunarDate> to_lunar(Date d);

// Days in lunar month `month` (leap = the intercalary one) of lunar `year`: 29 or 30, 0 if none.
int lunar_month_days(int year, int month, bool leap);
int leap_month(int year);  // 0 = none

struct FestivalDates {
  Date spring_festival;  // 正月初一
  Date new_years_eve;    // 除夕: last day of the 12th month of the previous lunar year
  Date qingming;         // 清明 solar term
  Date dragon_boat;      // 五月初五
  Date mid_autumn;       // 八月十五
};
// For Gregorian years 1901-2100; nullopt outside.
std::optional<FestivalDates> festival_dates(int gregorian_year);

}  // namespace smsgw::calendar
