#include "schedule/cron.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smsgw::schedule {
namespace {

Cron cron(std::string_view text) {
  std::string error;
  auto c = parse_cron(text, error);
  EXPECT_TRUE(c.has_value()) << text << ": " << error;
  return c.value_or(Cron{});
}

std::string parse_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_cron(text, error).has_value()) << text;
  return error;
}

// The next `n` matches after `from`.
std::vector<LocalMinute> matches(const Cron& c, LocalMinute from, int n) {
  std::vector<LocalMinute> out;
  for (int i = 0; i < n; ++i) {
    const auto m = next_match(c, from);
    if (!m) break;
    out.push_back(*m);
    from = *m;
  }
  return out;
}

TEST(Cron, ParsesAndNormalisesText) {
  const Cron c = cron("  30   9 * *   1-5 ");
  EXPECT_EQ(c.text, "30 9 * * 1-5");
  EXPECT_TRUE(c.minutes.test(30));
  EXPECT_EQ(c.minutes.count(), 1U);
  EXPECT_TRUE(c.hours.test(9));
  EXPECT_EQ(c.days.count(), 31U);
  EXPECT_FALSE(c.days.test(0));
  EXPECT_EQ(c.months.count(), 12U);
  EXPECT_EQ(c.weekdays.count(), 5U);
  EXPECT_FALSE(c.weekdays.test(0));
  EXPECT_FALSE(c.days_restricted);
  EXPECT_TRUE(c.weekdays_restricted);
}

TEST(Cron, StepsRangesListsAndNames) {
  const Cron c = cron("*/15 8-18/5 1,15 JAN-mar,Dec sun,Sat");
  EXPECT_EQ(c.minutes.count(), 4U);
  for (int m : {0, 15, 30, 45}) EXPECT_TRUE(c.minutes.test(static_cast<std::size_t>(m)));
  EXPECT_EQ(c.hours.count(), 3U);
  for (int h : {8, 13, 18}) EXPECT_TRUE(c.hours.test(static_cast<std::size_t>(h)));
  EXPECT_EQ(c.days.count(), 2U);
  EXPECT_EQ(c.months.count(), 4U);
  EXPECT_TRUE(c.months.test(12));
  EXPECT_FALSE(c.months.test(4));
  EXPECT_EQ(c.weekdays.count(), 2U);
  EXPECT_TRUE(c.weekdays.test(0));
  EXPECT_TRUE(c.weekdays.test(6));
  // "5/20" starts at 5 and steps to the end of the range, as in Vixie cron.
  const Cron s = cron("5/20 * * * *");
  EXPECT_EQ(s.minutes.count(), 3U);
  EXPECT_TRUE(s.minutes.test(45));
}

TEST(Cron, SevenIsSunday) {
  const Cron c = cron("0 9 * * 7");
  EXPECT_TRUE(c.weekdays.test(0));
  EXPECT_EQ(c.weekdays.count(), 1U);
  // 2026-11-26 is a Thursday; the next Sunday is the 29th.
  EXPECT_EQ(next_match(c, {2026, 11, 26, 12, 0}), (LocalMinute{2026, 11, 29, 9, 0}));
  EXPECT_EQ(cron("0 9 * * 5-7").weekdays.count(), 3U);
}

TEST(Cron, NextIsStrictlyAfter) {
  const Cron c = cron("30 9 * * *");
  EXPECT_EQ(next_match(c, {2026, 3, 10, 9, 30}), (LocalMinute{2026, 3, 11, 9, 30}));
  EXPECT_EQ(next_match(c, {2026, 3, 10, 9, 29}), (LocalMinute{2026, 3, 10, 9, 30}));
  // Rolls over the end of a year.
  EXPECT_EQ(next_match(c, {2026, 12, 31, 23, 59}), (LocalMinute{2027, 1, 1, 9, 30}));
}

TEST(Cron, ThirtyFirstOnlyInLongMonths) {
  const auto got = matches(cron("0 12 31 * *"), {2026, 1, 1, 0, 0}, 7);
  const std::vector<LocalMinute> want = {
      {2026, 1, 31, 12, 0}, {2026, 3, 31, 12, 0},  {2026, 5, 31, 12, 0}, {2026, 7, 31, 12, 0},
      {2026, 8, 31, 12, 0}, {2026, 10, 31, 12, 0}, {2026, 12, 31, 12, 0}};
  EXPECT_EQ(got, want);
}

TEST(Cron, FebruaryTwentyNinthOnlyInLeapYears) {
  const Cron c = cron("0 9 29 2 *");
  EXPECT_EQ(next_match(c, {2025, 3, 1, 0, 0}), (LocalMinute{2028, 2, 29, 9, 0}));
  EXPECT_EQ(next_match(c, {2028, 2, 29, 9, 0}), (LocalMinute{2032, 2, 29, 9, 0}));
  // 2100 is not a leap year: after 2096 comes 2104, at the edge of the 8-year horizon.
  EXPECT_EQ(next_match(c, {2096, 3, 1, 0, 0}), (LocalMinute{2104, 2, 29, 9, 0}));
}

TEST(Cron, ImpossibleExpressionGivesNullopt) {
  EXPECT_EQ(next_match(cron("0 0 30 2 *"), {2026, 1, 1, 0, 0}), std::nullopt);
  EXPECT_EQ(next_match(cron("0 0 31 4,6,9,11 *"), {2026, 1, 1, 0, 0}), std::nullopt);
}

TEST(Cron, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // The 13th of each month or any Friday.
  const auto got = matches(cron("0 8 13 * 5"), {2026, 2, 1, 0, 0}, 5);
  const std::vector<LocalMinute> want = {{2026, 2, 6, 8, 0},
                                         {2026, 2, 13, 8, 0},
                                         {2026, 2, 20, 8, 0},
                                         {2026, 2, 27, 8, 0},
                                         {2026, 3, 6, 8, 0}};
  EXPECT_EQ(got, want);
  // Only the day of week restricted: AND semantics with "*", i.e. just Fridays.
  EXPECT_EQ(next_match(cron("0 8 * * 5"), {2026, 2, 6, 8, 0}), (LocalMinute{2026, 2, 13, 8, 0}));
  // A "*/2" day of month counts as unrestricted (Vixie), so the weekday must match too.
  EXPECT_EQ(next_match(cron("0 8 */2 * 1"), {2026, 2, 1, 0, 0}), (LocalMinute{2026, 2, 9, 8, 0}));
}

TEST(Cron, WorkdayMornings) {
  const auto got = matches(cron("30 9 * * 1-5"), {2026, 11, 27, 10, 0}, 3);  // a Friday
  const std::vector<LocalMinute> want = {
      {2026, 11, 30, 9, 30}, {2026, 12, 1, 9, 30}, {2026, 12, 2, 9, 30}};
  EXPECT_EQ(got, want);
}

TEST(Cron, EveryMinuteAndHourSteps) {
  EXPECT_EQ(next_match(cron("* * * * *"), {2026, 1, 31, 23, 59}), (LocalMinute{2026, 2, 1, 0, 0}));
  EXPECT_EQ(next_match(cron("0 */6 * * *"), {2026, 1, 1, 6, 0}), (LocalMinute{2026, 1, 1, 12, 0}));
}

TEST(Cron, ErrorsNameTheField) {
  EXPECT_EQ(parse_error("0 24 * * *"), "field 2 (hour): 24 is out of range 0-23");
  EXPECT_EQ(parse_error("60 * * * *"), "field 1 (minute): 60 is out of range 0-59");
  EXPECT_EQ(parse_error("0 0 0 * *"), "field 3 (day of month): 0 is out of range 1-31");
  EXPECT_EQ(parse_error("0 0 * 13 *"), "field 4 (month): 13 is out of range 1-12");
  EXPECT_EQ(parse_error("0 0 * * 8"), "field 5 (day of week): 8 is out of range 0-7");
  EXPECT_EQ(parse_error("0 0 * foo *"), "field 4 (month): unknown name \"foo\"");
  EXPECT_EQ(parse_error("0 0 * * mon-xyz"), "field 5 (day of week): unknown name \"xyz\"");
  EXPECT_EQ(parse_error("0 5-1 * * *"), "field 2 (hour): range 5-1 goes backwards");
  EXPECT_EQ(parse_error("*/0 * * * *"), "field 1 (minute): step must be at least 1");
  EXPECT_EQ(parse_error("1,,2 * * * *"), "field 1 (minute): empty list item");
  EXPECT_EQ(parse_error("x * * * *"), "field 1 (minute): \"x\" is not a number");
  EXPECT_NE(parse_error("0 9 * *").find("5 fields"), std::string::npos);
  EXPECT_NE(parse_error("0 9 * * * *").find("got 6"), std::string::npos);
  EXPECT_NE(parse_error("").find("got 0"), std::string::npos);
}

}  // namespace
}  // namespace smsgw::schedule
