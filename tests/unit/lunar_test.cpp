#include "calendar/lunar.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace smsgw::calendar {
namespace {

Date D(int y, int m, int d) { return Date{y, m, d}; }

// research notes §7.3 "Expected values": CALJS table and lunar-javascript agree on every cell.
TEST(Lunar, ExpectedFestivalDates2024To2031) {
  struct Row {
    int year;
    Date spring, eve, qingming, dragon, mid;
  };
  const std::vector<Row> rows = {
      {2024, D(2024, 2, 10), D(2024, 2, 9), D(2024, 4, 4), D(2024, 6, 10), D(2024, 9, 17)},
      {2025, D(2025, 1, 29), D(2025, 1, 28), D(2025, 4, 4), D(2025, 5, 31), D(2025, 10, 6)},
      {2026, D(2026, 2, 17), D(2026, 2, 16), D(2026, 4, 5), D(2026, 6, 19), D(2026, 9, 25)},
      {2027, D(2027, 2, 6), D(2027, 2, 5), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)},
      {2028, D(2028, 1, 26), D(2028, 1, 25), D(2028, 4, 4), D(2028, 5, 28), D(2028, 10, 3)},
      {2029, D(2029, 2, 13), D(2029, 2, 12), D(2029, 4, 4), D(2029, 6, 16), D(2029, 9, 22)},
      {2030, D(2030, 2, 3), D(2030, 2, 2), D(2030, 4, 5), D(2030, 6, 5), D(2030, 9, 12)},
      {2031, D(2031, 1, 23), D(2031, 1, 22), D(2031, 4, 5), D(2031, 6, 24), D(2031, 10, 1)},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.year);
    const auto f = festival_dates(r.year);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(to_string(f->spring_festival), to_string(r.spring));
    EXPECT_EQ(to_string(f->new_years_eve), to_string(r.eve));
    EXPECT_EQ(to_string(f->qingming), to_string(r.qingming));
    EXPECT_EQ(to_string(f->dragon_boat), to_string(r.dragon));
    EXPECT_EQ(to_string(f->mid_autumn), to_string(r.mid));
  }
}

// Each checked against lunar-javascript 1.7.7 (寿星天文历 based, independent of this table) and,
// from 1929, against astronomy-engine's new moons in Beijing time.
TEST(Lunar, KnownSpringFestivals) {
  const std::vector<Date> known = {
      D(1901, 2, 19), D(1912, 2, 18), D(1929, 2, 10), D(1949, 1, 29), D(1950, 2, 17),
      D(1966, 1, 21), D(1978, 2, 7),  D(1985, 2, 20), D(2000, 2, 5),  D(2008, 2, 7),
      D(2020, 1, 25), D(2033, 1, 31), D(2034, 2, 19), D(2050, 1, 23), D(2057, 2, 4),
      D(2061, 1, 21), D(2076, 2, 5),  D(2099, 1, 21), D(2100, 2, 9),
  };
  for (const Date& d : known) {
    const auto f = festival_dates(d.year);
    ASSERT_TRUE(f.has_value()) << d.year;
    EXPECT_EQ(to_string(f->spring_festival), to_string(d));
    const auto l = to_lunar(d);
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->year, d.year);
    EXPECT_EQ(l->month, 1);
    EXPECT_EQ(l->day, 1);
    EXPECT_FALSE(l->leap);
  }
}

TEST(Lunar, RoundTripEveryDay1901To2100) {
  Date d{1901, 1, 1};
  const Date last{2100, 12, 31};
  std::optional<LunarDate> prev;
  int days = 0;
  for (; d <= last; d = add_days(d, 1), ++days) {
    const auto l = to_lunar(d);
    ASSERT_TRUE(l.has_value()) << to_string(d);
    const auto back = from_lunar(*l);
    ASSERT_TRUE(back.has_value()) << to_string(d);
    ASSERT_EQ(to_string(*back), to_string(d));
    if (prev) {
      // Consecutive days: the next day of the same month, or day 1 of the next month.
      if (l->day != 1) {
        ASSERT_EQ(l->day, prev->day + 1) << to_string(d);
        ASSERT_EQ(l->month, prev->month);
        ASSERT_EQ(l->leap, prev->leap);
      } else {
        ASSERT_EQ(prev->day, lunar_month_days(prev->year, prev->month, prev->leap)) << to_string(d);
      }
    }
    prev = l;
  }
  EXPECT_EQ(days, 73049);  // 200 * 365 + 49 leap days (2100 is not one)
}

TEST(Lunar, MonthAndYearLengths) {
  for (int y = 1900; y <= 2100; ++y) {
    int total = 0;
    for (int m = 1; m <= 12; ++m) {
      const int n = lunar_month_days(y, m, false);
      EXPECT_TRUE(n == 29 || n == 30) << y << "-" << m;
      total += n;
    }
    const int lm = leap_month(y);
    ASSERT_GE(lm, 0);
    ASSERT_LE(lm, 12);
    if (lm != 0) {
      const int n = lunar_month_days(y, lm, true);
      EXPECT_TRUE(n == 29 || n == 30) << y << " leap " << lm;
      total += n;
      EXPECT_GE(total, 383) << y;
      EXPECT_LE(total, 385) << y;
    } else {
      EXPECT_GE(total, 353) << y;
      EXPECT_LE(total, 355) << y;
    }
    for (int m = 1; m <= 12; ++m) {
      if (m != lm) {
        EXPECT_EQ(lunar_month_days(y, m, true), 0) << y << " " << m;
      }
    }
  }
  EXPECT_EQ(leap_month(2020), 4);
  EXPECT_EQ(leap_month(2023), 2);
  EXPECT_EQ(leap_month(2025), 6);
  EXPECT_EQ(lunar_month_days(2025, 6, true), 29);
  EXPECT_EQ(leap_month(2024), 0);
  EXPECT_EQ(leap_month(2033), 11);  // the "2033 problem": 闰十一月, not 闰七月
  EXPECT_EQ(lunar_month_days(2099, 13, false), 0);
  EXPECT_EQ(lunar_month_days(2101, 1, false), 0);
}

TEST(Lunar, NewYearsEveIsLastDayOfTwelfthMonth) {
  for (int y = 1901; y <= 2100; ++y) {
    const auto f = festival_dates(y);
    ASSERT_TRUE(f.has_value());
    ASSERT_NE(leap_month(y - 1), 12);  // a leap 12th month would end the year instead
    const int len = lunar_month_days(y - 1, 12, false);
    EXPECT_EQ(to_string(f->new_years_eve), to_string(*from_lunar({y - 1, 12, len, false}))) << y;
  }
  // 2026: 腊月 has 29 days, so 除夕 is 腊月二十九.
  EXPECT_EQ(lunar_month_days(2025, 12, false), 29);
  const auto eve = to_lunar(D(2026, 2, 16));
  ASSERT_TRUE(eve.has_value());
  EXPECT_EQ(eve->month, 12);
  EXPECT_EQ(eve->day, 29);
}

TEST(Lunar, FromLunarRejectsDaysThatDoNotExist) {
  EXPECT_FALSE(from_lunar({2025, 12, 30, false}).has_value());  // 腊月 2025 has 29 days
  EXPECT_TRUE(from_lunar({2025, 6, 29, true}).has_value());
  EXPECT_FALSE(from_lunar({2025, 6, 30, true}).has_value());
  EXPECT_FALSE(from_lunar({2025, 5, 1, true}).has_value());  // no 闰五月 in 2025
  EXPECT_FALSE(from_lunar({2025, 0, 1, false}).has_value());
  EXPECT_FALSE(from_lunar({2025, 13, 1, false}).has_value());
  EXPECT_FALSE(from_lunar({2025, 1, 0, false}).has_value());
  EXPECT_FALSE(from_lunar({1899, 1, 1, false}).has_value());
  EXPECT_FALSE(from_lunar({2101, 1, 1, false}).has_value());
  EXPECT_EQ(to_string(*from_lunar({2025, 6, 1, true})), "2025-07-25");
  EXPECT_FALSE(to_lunar(D(1900, 1, 30)).has_value());
  EXPECT_TRUE(to_lunar(D(1900, 1, 31)).has_value());
  EXPECT_FALSE(to_lunar(D(2200, 1, 1)).has_value());
  EXPECT_FALSE(festival_dates(1900).has_value());
  EXPECT_FALSE(festival_dates(2101).has_value());
}

TEST(Lunar, TableErrata) {
  // 2057 as corrected after the Hong Kong Observatory's table: 九月 starts 2057-09-28.
  EXPECT_EQ(to_string(*from_lunar({2057, 9, 1, false})), "2057-09-28");
  EXPECT_EQ(lunar_month_days(2057, 8, false), 29);
  // 1933: 闰五月 has 30 days, 六月 starts 1933-07-23 (new moon 00:03 Beijing time).
  EXPECT_EQ(lunar_month_days(1933, 5, true), 30);
  EXPECT_EQ(to_string(*from_lunar({1933, 6, 1, false})), "1933-07-23");
}

TEST(Lunar, QingmingIsEarlyApril) {
  for (int y = 1901; y <= 2100; ++y) {
    const Date q = festival_dates(y)->qingming;
    EXPECT_EQ(q.month, 4);
    EXPECT_GE(q.day, 4) << y;
    EXPECT_LE(q.day, 6) << y;
  }
  // Solar longitude 15° in Beijing time (astronomy-engine): 1901-04-05 19:44, 1999-04-05 13:44,
  // 2000-04-04 19:31, 2099-04-04 18:51, 2100-04-05 00:43.
  EXPECT_EQ(festival_dates(1901)->qingming.day, 5);
  EXPECT_EQ(festival_dates(1999)->qingming.day, 5);
  EXPECT_EQ(festival_dates(2000)->qingming.day, 4);
  EXPECT_EQ(festival_dates(2099)->qingming.day, 4);
  EXPECT_EQ(festival_dates(2100)->qingming.day, 5);
}

// ---- Independent astronomical check ---------------------------------------------------------
// Meeus, Astronomical Algorithms (2nd ed.) ch. 49: the true new moon from the mean phase with
// the main periodic terms (error well under a minute in this range), then ΔT (Espenak-Meeus
// polynomials) to get UT, then UTC+8. China has reckoned the calendar in UTC+8 since 1929.

constexpr double kPi = 3.14159265358979323846;
double rad(double deg) { return deg * kPi / 180.0; }

double delta_t_seconds(double y) {
  if (y < 1920) {
    const double t = y - 1900;
    return -2.79 + 1.494119 * t - 0.0598939 * t * t + 0.0061966 * t * t * t - 0.000197 * t * t * t * t;
  }
  if (y < 1941) {
    const double t = y - 1920;
    return 21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t * t * t;
  }
  if (y < 1961) {
    const double t = y - 1950;
    return 29.07 + 0.407 * t - t * t / 233 + t * t * t / 2547;
  }
  if (y < 1986) {
    const double t = y - 1975;
    return 45.45 + 1.067 * t - t * t / 260 - t * t * t / 718;
  }
  if (y < 2005) {
    const double t = y - 2000;
    return 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t +
           0.000651814 * std::pow(t, 4) + 0.00002373599 * std::pow(t, 5);
  }
  if (y < 2050) {
    const double t = y - 2000;
    return 62.92 + 0.32217 * t + 0.005589 * t * t;
  }
  const double u = (y - 1820) / 100;
  return -20 + 32 * u * u - 0.5628 * (2150 - y);
}

// Julian Ephemeris Day of new moon number k (k = 0 near 2000-01-06).
double new_moon_jde(double k) {
  const double t = k / 1236.85;
  const double t2 = t * t, t3 = t2 * t, t4 = t3 * t;
  double jde = 2451550.09766 + 29.530588861 * k + 0.00015437 * t2 - 0.000000150 * t3 +
               0.00000000073 * t4;
  const double e = 1 - 0.002516 * t - 0.0000074 * t2;
  const double m = rad(2.5534 + 29.10535670 * k - 0.0000014 * t2 - 0.00000011 * t3);
  const double mp = rad(201.5643 + 385.81693528 * k + 0.0107582 * t2 + 0.00001238 * t3 -
                        0.000000058 * t4);
  const double f = rad(160.7108 + 390.67050284 * k - 0.0016118 * t2 - 0.00000227 * t3 +
                       0.000000011 * t4);
  const double om = rad(124.7746 - 1.56375588 * k + 0.0020672 * t2 + 0.00000215 * t3);
  jde += -0.40720 * std::sin(mp) + 0.17241 * e * std::sin(m) + 0.01608 * std::sin(2 * mp) +
         0.01039 * std::sin(2 * f) + 0.00739 * e * std::sin(mp - m) - 0.00514 * e * std::sin(mp + m) +
         0.00208 * e * e * std::sin(2 * m) - 0.00111 * std::sin(mp - 2 * f) -
         0.00057 * std::sin(mp + 2 * f) + 0.00056 * e * std::sin(2 * mp + m) -
         0.00042 * std::sin(3 * mp) + 0.00042 * e * std::sin(m + 2 * f) +
         0.00038 * e * std::sin(m - 2 * f) - 0.00024 * e * std::sin(2 * mp - m) -
         0.00017 * std::sin(om) - 0.00007 * std::sin(mp + 2 * m) + 0.00004 * std::sin(2 * mp - 2 * f) +
         0.00004 * std::sin(3 * m + mp) + 0.00003 * std::sin(mp + m - 2 * f) +
         0.00003 * std::sin(2 * mp + 2 * f) - 0.00003 * std::sin(mp + m + 2 * f) +
         0.00003 * std::sin(mp - m + 2 * f) - 0.00002 * std::sin(mp - m - 2 * f) -
         0.00002 * std::sin(3 * mp + m) + 0.00002 * std::sin(4 * mp);
  const double a[14][3] = {
      {299.77, 0.107408, 0.000325}, {251.88, 0.016321, 0.000165}, {251.83, 26.651886, 0.000164},
      {349.42, 36.412478, 0.000126}, {84.66, 18.206239, 0.000110}, {141.74, 53.303771, 0.000062},
      {207.14, 2.453732, 0.000060},  {154.84, 7.306860, 0.000056}, {34.52, 27.261239, 0.000047},
      {207.19, 0.121824, 0.000042},  {291.34, 1.844379, 0.000040}, {161.72, 24.198154, 0.000037},
      {239.56, 25.513099, 0.000035}, {331.55, 3.592518, 0.000023},
  };
  for (int i = 0; i < 14; ++i) {
    double arg = a[i][0] + a[i][1] * k;
    if (i == 0) arg -= 0.009173 * t2;
    jde += a[i][2] * std::sin(rad(arg));
  }
  return jde;
}

TEST(Lunar, MonthStartsAreBeijingNewMoons1929To2100) {
  constexpr double kUnixEpochJd = 2440587.5;
  int checked = 0, skipped = 0;
  std::vector<std::string> mismatches;
  for (Date d = *from_lunar({1929, 1, 1, false}); d.year <= 2100; d = add_days(d, 1)) {
    const auto l = to_lunar(d);
    ASSERT_TRUE(l.has_value());
    if (l->day != 1) continue;
    const double days = static_cast<double>(to_days(d));
    const double k0 = std::round((days + kUnixEpochJd - 2451550.09766) / 29.530588861);
    bool matched = false, near_midnight = false;
    for (double k = k0 - 1; k <= k0 + 1; ++k) {
      const double jde = new_moon_jde(k);
      const double year = 2000 + (jde - 2451545.0) / 365.25;
      const double beijing = jde - delta_t_seconds(year) / 86400 + 8.0 / 24 - kUnixEpochJd;
      const double day = std::floor(beijing);
      const double minutes = (beijing - day) * 1440;
      if (std::abs(day - days) > 1.5) continue;
      if (minutes < 15 || minutes > 1440 - 15) near_midnight = true;
      if (day == days) matched = true;
    }
    if (matched) {
      ++checked;
    } else if (near_midnight) {
      ++skipped;
    } else {
      mismatches.push_back(to_string(d));
    }
  }
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " month starts are not new-moon days, first "
                                  << mismatches.front();
  EXPECT_GT(checked, 2100);  // 172 years * 12.37 months
  EXPECT_LT(skipped, 10);
}

}  // namespace
}  // namespace smsgw::calendar
