#include "calendar/lunar.hpp"

#include <array>
#include <cstdint>

namespace smsgw::calendar {
namespace {

// One entry per lunar year 1900..2100, the widely copied `lunarInfo` table (jjonline/calendar.js,
// src/constant/Lunar.js). It is data precomputed from new moons and solar terms in China's
// time zone, so no astronomy runs here. Encoding of one entry:
//   bits 0-3    leap month number, 0 = none
//   bits 4-15   month m (1..12) at bit 16 - m: 1 = 30 days, 0 = 29
//   bit 16      the leap month has 30 days (else 29)
// Lunar 1900-01-01 is Gregorian 1900-01-31 (kEpoch).
//
// Errata, checked against astronomy-engine new moons and lunar-javascript (寿星天文历 based):
// - 2057: 0x06aa0, not 0x06b20 as in older copies (calendar.js HEAD, citing the Hong Kong
//   Observatory's T2057c.txt). The only difference is whether the 8th or the 9th month has 30
//   days; the new moon that starts the 9th month falls within a minute of Beijing midnight, so
//   the sources disagree, and no festival date depends on it.
// - 1933: 0x16a95 (闰五月 30 days, 六月 29). Some copies have 0x06e95 (闰五月 29, 六月 30); the
//   new moon starting 六月 is at 00:03 Beijing time on 1933-07-23, which 0x16a95 matches.
constexpr std::array<std::uint32_t, 201> kLunarInfo = {
    0x04bd8, 0x04ae0, 0x0a570, 0x054d5, 0x0d260, 0x0d950, 0x16554, 0x056a0, 0x09ad0, 0x055d2,  // 1900
    0x04ae0, 0x0a5b6, 0x0a4d0, 0x0d250, 0x1d255, 0x0b540, 0x0d6a0, 0x0ada2, 0x095b0, 0x14977,  // 1910
    0x04970, 0x0a4b0, 0x0b4b5, 0x06a50, 0x06d40, 0x1ab54, 0x02b60, 0x09570, 0x052f2, 0x04970,  // 1920
    0x06566, 0x0d4a0, 0x0ea50, 0x16a95, 0x05ad0, 0x02b60, 0x186e3, 0x092e0, 0x1c8d7, 0x0c950,  // 1930
    0x0d4a0, 0x1d8a6, 0x0b550, 0x056a0, 0x1a5b4, 0x025d0, 0x092d0, 0x0d2b2, 0x0a950, 0x0b557,  // 1940
    0x06ca0, 0x0b550, 0x15355, 0x04da0, 0x0a5b0, 0x14573, 0x052b0, 0x0a9a8, 0x0e950, 0x06aa0,  // 1950
    0x0aea6, 0x0ab50, 0x04b60, 0x0aae4, 0x0a570, 0x05260, 0x0f263, 0x0d950, 0x05b57, 0x056a0,  // 1960
    0x096d0, 0x04dd5, 0x04ad0, 0x0a4d0, 0x0d4d4, 0x0d250, 0x0d558, 0x0b540, 0x0b6a0, 0x195a6,  // 1970
    0x095b0, 0x049b0, 0x0a974, 0x0a4b0, 0x0b27a, 0x06a50, 0x06d40, 0x0af46, 0x0ab60, 0x09570,  // 1980
    0x04af5, 0x04970, 0x064b0, 0x074a3, 0x0ea50, 0x06b58, 0x05ac0, 0x0ab60, 0x096d5, 0x092e0,  // 1990
    0x0c960, 0x0d954, 0x0d4a0, 0x0da50, 0x07552, 0x056a0, 0x0abb7, 0x025d0, 0x092d0, 0x0cab5,  // 2000
    0x0a950, 0x0b4a0, 0x0baa4, 0x0ad50, 0x055d9, 0x04ba0, 0x0a5b0, 0x15176, 0x052b0, 0x0a930,  // 2010
    0x07954, 0x06aa0, 0x0ad50, 0x05b52, 0x04b60, 0x0a6e6, 0x0a4e0, 0x0d260, 0x0ea65, 0x0d530,  // 2020
    0x05aa0, 0x076a3, 0x096d0, 0x04afb, 0x04ad0, 0x0a4d0, 0x1d0b6, 0x0d250, 0x0d520, 0x0dd45,  // 2030
    0x0b5a0, 0x056d0, 0x055b2, 0x049b0, 0x0a577, 0x0a4b0, 0x0aa50, 0x1b255, 0x06d20, 0x0ada0,  // 2040
    0x14b63, 0x09370, 0x049f8, 0x04970, 0x064b0, 0x168a6, 0x0ea50, 0x06aa0, 0x1a6c4, 0x0aae0,  // 2050
    0x092e0, 0x0d2e3, 0x0c960, 0x0d557, 0x0d4a0, 0x0da50, 0x05d55, 0x056a0, 0x0a6d0, 0x055d4,  // 2060
    0x052d0, 0x0a9b8, 0x0a950, 0x0b4a0, 0x0b6a6, 0x0ad50, 0x055a0, 0x0aba4, 0x0a5b0, 0x052b0,  // 2070
    0x0b273, 0x06930, 0x07337, 0x06aa0, 0x0ad50, 0x14b55, 0x04b60, 0x0a570, 0x054e4, 0x0d160,  // 2080
    0x0e968, 0x0d520, 0x0daa0, 0x16aa6, 0x056d0, 0x04ae0, 0x0a9d4, 0x0a2d0, 0x0d150, 0x0f252,  // 2090
    0x0d520,                                                                                    // 2100
};
constexpr int kTableFirst = 1900;
constexpr int kTableLast = 2100;
constexpr Date kEpoch{1900, 1, 31};

bool in_table(int lunar_year) { return lunar_year >= kTableFirst && lunar_year <= kTableLast; }

std::uint32_t info(int lunar_year) { return kLunarInfo[static_cast<std::size_t>(lunar_year - kTableFirst)]; }

int regular_month_days(std::uint32_t v, int month) { return (v & (0x10000u >> month)) ? 30 : 29; }

int leap_days(std::uint32_t v) {
  if ((v & 0xf) == 0) return 0;
  return (v & 0x10000u) ? 30 : 29;
}

int year_days(int lunar_year) {
  const std::uint32_t v = info(lunar_year);
  int days = leap_days(v);
  for (int m = 1; m <= 12; ++m) days += regular_month_days(v, m);
  return days;
}

// Day number (days since 1970-01-01) of 正月初一 for lunar years 1900..2101; entry 2101 marks
// the end of the table. Built once; 202 additions.
const std::array<std::int64_t, kTableLast - kTableFirst + 2>& year_starts() {
  static const auto starts = [] {
    std::array<std::int64_t, kTableLast - kTableFirst + 2> s{};
    s[0] = to_days(kEpoch);
    for (int y = kTableFirst; y <= kTableLast; ++y) {
      s[static_cast<std::size_t>(y - kTableFirst + 1)] = s[static_cast<std::size_t>(y - kTableFirst)] + year_days(y);
    }
    return s;
  }();
  return starts;
}

std::int64_t year_start(int lunar_year) {
  return year_starts()[static_cast<std::size_t>(lunar_year - kTableFirst)];
}

// 清明 day in April by the "寿星通用公式" day = floor(Y * D + C) - L, Y = year mod 100,
// D = 0.2422 (the tropical year's excess over 365 days), L = floor(Y / 4) leap days so far in
// the century, C the century's constant: 5.59 for the 1900s, 4.81 for the 2000s. Checked
// against astronomy-engine's solar longitude 15° in Beijing time and against lunar-javascript:
// no difference in 1901-2100.
// 2100: Y = 0 gives floor(C). Continuing the 2000s formula to Y = 100 gives
// floor(100 * 0.2422 + 4.81) - 25 = 4, but L = 25 counts a 29 February 2100 that does not
// exist (2100 is not a leap year), so the true count is 24 and the day is 5; i.e. C = 5.81
// for Y = 0. (The term falls at 00:43 on 2100-04-05 Beijing time.)
int qingming_day(int year) {
  if (year == 2100) return 5;
  const int y = year % 100;
  const double c = year >= 2000 ? 4.81 : 5.59;
  return static_cast<int>(y * 0.2422 + c) - y / 4;
}

}  // namespace

int leap_month(int year) {
  if (!in_table(year)) return 0;
  return static_cast<int>(info(year) & 0xf);
}

int lunar_month_days(int year, int month, bool leap) {
  if (!in_table(year) || month < 1 || month > 12) return 0;
  const std::uint32_t v = info(year);
  if (leap) return leap_month(year) == month ? leap_days(v) : 0;
  return regular_month_days(v, month);
}

std::optional<Date> from_lunar(const LunarDate& d) {
  if (!in_table(d.year) || d.month < 1 || d.month > 12 || d.day < 1) return std::nullopt;
  const int len = lunar_month_days(d.year, d.month, d.leap);
  if (len == 0 || d.day > len) return std::nullopt;
  const std::uint32_t v = info(d.year);
  const int lm = leap_month(d.year);
  std::int64_t n = year_start(d.year);
  for (int m = 1; m < d.month; ++m) {
    n += regular_month_days(v, m);
    if (m == lm) n += leap_days(v);
  }
  // The leap month follows its regular month of the same number.
  if (d.leap) n += regular_month_days(v, d.month);
  return from_days(n + d.day - 1);
}

std::optional<LunarDate> to_lunar(Date d) {
  const std::int64_t n = to_days(d);
  const auto& starts = year_starts();
  if (n < starts.front() || n >= starts.back()) return std::nullopt;
  int year = kTableFirst;
  while (starts[static_cast<std::size_t>(year - kTableFirst + 1)] <= n) ++year;
  std::int64_t offset = n - year_start(year);
  const std::uint32_t v = info(year);
  const int lm = leap_month(year);
  for (int m = 1; m <= 12; ++m) {
    const int len = regular_month_days(v, m);
    if (offset < len) return LunarDate{year, m, static_cast<int>(offset) + 1, false};
    offset -= len;
    if (m == lm) {
      const int leap_len = leap_days(v);
      if (offset < leap_len) return LunarDate{year, m, static_cast<int>(offset) + 1, true};
      offset -= leap_len;
    }
  }
  return std::nullopt;  // unreachable: the year's length is the sum of its months
}

std::optional<FestivalDates> festival_dates(int gregorian_year) {
  if (gregorian_year < kFirstYear || gregorian_year > kLastYear) return std::nullopt;
  FestivalDates f;
  f.spring_festival = *from_lunar({gregorian_year, 1, 1, false});
  // 除夕 is the last day of the previous lunar year, whether 腊月 has 29 days (腊月二十九, as
  // in 2026) or 30: the day before 正月初一 covers both without special cases.
  f.new_years_eve = add_days(f.spring_festival, -1);
  f.qingming = Date{gregorian_year, 4, qingming_day(gregorian_year)};
  f.dragon_boat = *from_lunar({gregorian_year, 5, 5, false});
  f.mid_autumn = *from_lunar({gregorian_year, 8, 15, false});
  return f;
}

}  // namespace smsgw::calendar
