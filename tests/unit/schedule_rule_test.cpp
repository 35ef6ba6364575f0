#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "schedule/rule.hpp"

namespace smsgw::schedule {
namespace {

using calendar::Date;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

calendar::Holiday holiday(std::string name, std::vector<std::string> keys, Date start, Date end) {
  calendar::Holiday h;
  h.name = std::move(name);
  h.keys = std::move(keys);
  h.start = start;
  h.end = end;
  h.days = static_cast<int>(calendar::to_days(end) - calendar::to_days(start) + 1);
  return h;
}

// The State Council's notices for 2025 and 2026 (reference/carriers-and-holidays.md §7.1),
// written out here so these tests do not depend on the data files.
calendar::Calendar official_2025_2026() {
  calendar::YearCalendar y25;
  y25.year = 2025;
  y25.official = true;
  y25.holidays = {
      holiday("元旦", {"new_year"}, {2025, 1, 1}, {2025, 1, 1}),
      holiday("春节", {"spring_festival"}, {2025, 1, 28}, {2025, 2, 4}),
      holiday("清明节", {"qingming"}, {2025, 4, 4}, {2025, 4, 6}),
      holiday("劳动节", {"labour_day"}, {2025, 5, 1}, {2025, 5, 5}),
      holiday("端午节", {"dragon_boat"}, {2025, 5, 31}, {2025, 6, 2}),
      holiday("国庆节、中秋节", {"national_day", "mid_autumn"}, {2025, 10, 1}, {2025, 10, 8}),
  };
  y25.makeup_workdays = {{2025, 1, 26}, {2025, 2, 8}, {2025, 4, 27}, {2025, 9, 28}, {2025, 10, 11}};

  calendar::YearCalendar y26;
  y26.year = 2026;
  y26.official = true;
  y26.holidays = {
      holiday("元旦", {"new_year"}, {2026, 1, 1}, {2026, 1, 3}),
      holiday("春节", {"spring_festival"}, {2026, 2, 15}, {2026, 2, 23}),
      holiday("清明节", {"qingming"}, {2026, 4, 4}, {2026, 4, 6}),
      holiday("劳动节", {"labour_day"}, {2026, 5, 1}, {2026, 5, 5}),
      holiday("端午节", {"dragon_boat"}, {2026, 6, 19}, {2026, 6, 21}),
      holiday("中秋节", {"mid_autumn"}, {2026, 9, 25}, {2026, 9, 27}),
      holiday("国庆节", {"national_day"}, {2026, 10, 1}, {2026, 10, 7}),
  };
  y26.makeup_workdays = {{2026, 1, 4}, {2026, 2, 14}, {2026, 2, 28},
                         {2026, 5, 9}, {2026, 9, 20}, {2026, 10, 10}};
  return calendar::Calendar({y25, y26});
}

class ScheduleRule : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tz = TimeZone::load("Asia/Shanghai");
    ASSERT_TRUE(tz.has_value()) << "Asia/Shanghai is not installed";
    tz_ = *tz;
  }

  When when(std::string_view text) {
    std::string error;
    auto w = parse_when(text, tz_, error);
    EXPECT_TRUE(w.has_value()) << text << ": " << error;
    return w.value_or(When{});
  }
  std::string when_error(std::string_view text) {
    std::string error;
    EXPECT_FALSE(parse_when(text, tz_, error).has_value()) << text;
    return error;
  }
  UnixMs local(int y, int mo, int d, int h, int mi) const {
    return tz_.from_local(y, mo, d, h, mi);
  }
  // "YYYY-MM-DD HH:MM" in Shanghai time, to compare lists readably.
  std::string show(UnixMs t) const {
    const CivilTime c = tz_.to_local(t);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day, c.hour,
                  c.minute);
    return buf;
  }
  std::vector<std::string> shown(const std::vector<Occurrence>& v) const {
    std::vector<std::string> out;
    for (const auto& o : v) out.push_back(show(o.at));
    return out;
  }
  static std::vector<std::string> keys(const std::vector<Occurrence>& v) {
    std::vector<std::string> out;
    for (const auto& o : v) out.push_back(o.key);
    return out;
  }

  TimeZone tz_ = TimeZone::utc();
  calendar::Calendar cal_ = official_2025_2026();
};

// --- the "when" grammar ---------------------------------------------------------------

TEST_F(ScheduleRule, ParsesHolidayRules) {
  const When w = when("1 workday before spring_festival, national_day at 09:00");
  ASSERT_EQ(w.kind, Kind::holiday);
  EXPECT_THAT(w.holiday.festivals, ElementsAre("spring_festival", "national_day"));
  EXPECT_EQ(w.holiday.offset, 1);
  EXPECT_TRUE(w.holiday.workdays);
  EXPECT_TRUE(w.holiday.before);
  EXPECT_TRUE(w.holiday.from_start);
  EXPECT_EQ(w.holiday.hour, 9);
  EXPECT_EQ(w.holiday.minute, 0);
  EXPECT_EQ(w.text, "1 workday before spring_festival, national_day at 09:00");

  const When after = when("2 days after the end of 春节 at 10:00");
  EXPECT_THAT(after.holiday.festivals, ElementsAre("spring_festival"));
  EXPECT_FALSE(after.holiday.workdays);
  EXPECT_FALSE(after.holiday.before);
  EXPECT_FALSE(after.holiday.from_start);
  EXPECT_EQ(after.text, "2 days after spring_festival at 10:00");

  const When start = when("3 Days After The Start Of 国庆 at 8:05");
  EXPECT_TRUE(start.holiday.from_start);
  EXPECT_EQ(start.text, "3 days after the start of national_day at 08:05");

  const When end = when("0 workdays before the end of mid_autumn at 18:00");
  EXPECT_FALSE(end.holiday.from_start);
  EXPECT_EQ(end.text, "0 workdays before the end of mid_autumn at 18:00");
}

TEST_F(ScheduleRule, ForgivingSpellings) {
  const std::string canonical = "1 workday before new_year, spring_festival, national_day at 09:00";
  for (const char* text : {
           "1 workday before new_year, spring_festival, national_day at 09:00",
           "  1   WORKDAY before  National Day and 春节,元旦 at 9:00 ",
           "1 workdays before 元旦、春节、国庆节 at 09:00",
           "1 working day before new year, spring festival and national_day at 09:00",
           "1 workday before the spring_festival, 国庆, new_year, 元旦 at 09:00",
       }) {
    EXPECT_EQ(when(text).text, canonical) << text;
  }
  for (const char* every :
       {"1 workday before every holiday at 09:00", "1 workday before every major holiday at 09:00",
        "1 workday before all holidays at 09:00",
        "1 Workday Before Every Public Holiday AT 09:00"}) {
    const When w = when(every);
    EXPECT_TRUE(w.holiday.festivals.empty()) << every;
    EXPECT_EQ(w.text, "1 workday before every holiday at 09:00");
  }
  EXPECT_EQ(when("1 day before 清明 at 09:00").text, "1 day before qingming at 09:00");
  EXPECT_EQ(when("5 days before labour_day at 09:00").text, "5 days before labour_day at 09:00");
}

TEST_F(ScheduleRule, ParsesMonthlyCronAndAt) {
  const When first = when("first workday of every month at 09:30");
  ASSERT_EQ(first.kind, Kind::workday_of_month);
  EXPECT_TRUE(first.workday_of_month.first);
  EXPECT_EQ(first.workday_of_month.hour, 9);
  EXPECT_EQ(first.workday_of_month.minute, 30);
  const When last = when("Last Workday of each month at 17:00");
  EXPECT_FALSE(last.workday_of_month.first);
  EXPECT_EQ(last.text, "last workday of every month at 17:00");

  const When c = when("cron  30 9  * * mon-fri");
  ASSERT_EQ(c.kind, Kind::cron);
  EXPECT_EQ(c.text, "cron 30 9 * * mon-fri");

  const When at = when("at 2026-12-01 09:00");
  ASSERT_EQ(at.kind, Kind::at);
  EXPECT_EQ(at.at, local(2026, 12, 1, 9, 0));
  EXPECT_EQ(at.text, "at 2026-12-01 09:00");
  EXPECT_EQ(when("AT 2026-12-01T01:00:00Z").at, local(2026, 12, 1, 9, 0));
  EXPECT_EQ(when("at 2026-12-01T09:00:00+08:00").text, "at 2026-12-01 09:00");
  // Seconds cannot be written locally: the canonical form falls back to RFC 3339.
  const When secs = when("at 2026-12-01T09:00:30+08:00");
  EXPECT_EQ(secs.text, "at 2026-12-01T01:00:30Z");
}

TEST_F(ScheduleRule, ToTextRoundTrips) {
  for (const char* text :
       {"at 2026-12-01 09:00", "at 2026-12-01T01:00:30.250Z", "cron 30 9 * * 1-5",
        "1 workday before spring_festival, national_day at 09:00",
        "1 workday before every holiday at 09:00", "2 days after spring_festival at 10:00",
        "2 days after the start of national_day at 10:00",
        "30 workdays before the end of qingming at 23:59", "first workday of every month at 09:30",
        "last workday of every month at 17:05"}) {
    const When w = when(text);
    EXPECT_EQ(w.text, text);
    EXPECT_EQ(to_text(w, tz_), text);
    const When again = when(to_text(w, tz_));
    EXPECT_EQ(again.text, w.text);
    EXPECT_EQ(again.kind, w.kind);
    EXPECT_EQ(again.at, w.at);
    EXPECT_EQ(again.holiday.festivals, w.holiday.festivals);
    EXPECT_EQ(again.holiday.from_start, w.holiday.from_start);
  }
}

TEST_F(ScheduleRule, ErrorsAreActionable) {
  EXPECT_THAT(when_error("1 workday before spring at 09:00"), HasSubstr("spring_festival"));
  EXPECT_THAT(when_error("1 workday before xmas at 09:00"),
              HasSubstr("unknown holiday \"xmas\"; use one of new_year, spring_festival"));
  EXPECT_THAT(when_error("1 workday before spring_festival"), HasSubstr("at HH:MM"));
  EXPECT_THAT(when_error("1 workday before spring_festival at 25:00"),
              HasSubstr("\"25:00\" is not a time"));
  EXPECT_THAT(when_error("31 days before spring_festival at 09:00"), HasSubstr("0 to 30"));
  EXPECT_THAT(when_error("1 week before spring_festival at 09:00"), HasSubstr("\"workdays\""));
  EXPECT_THAT(when_error("1 day around spring_festival at 09:00"),
              HasSubstr("\"before\" or \"after\""));
  EXPECT_THAT(when_error("1 day before at 09:00"), HasSubstr("at HH:MM"));
  EXPECT_THAT(when_error("1 day before , at 09:00"), HasSubstr("every holiday"));
  EXPECT_THAT(when_error("cron 0 24 * * *"), HasSubstr("cron: field 2 (hour)"));
  EXPECT_THAT(when_error("at 2026-02-30 09:00"), HasSubstr("YYYY-MM-DD HH:MM"));
  EXPECT_THAT(when_error("at 2026-12-01T09:00:00"), HasSubstr("RFC 3339"));
  EXPECT_THAT(when_error("first workday of the week at 09:00"),
              HasSubstr("first workday of every month at HH:MM"));
  EXPECT_THAT(when_error("tomorrow at 9"), HasSubstr("start with \"at\""));
  EXPECT_THAT(when_error("   "), HasSubstr("empty"));
}

// --- occurrences ------------------------------------------------------------------------

TEST_F(ScheduleRule, LastWorkdayBeforeSpringFestival2026IsSaturdayMakeupDay) {
  const When w = when("1 workday before spring_festival at 09:00");
  const auto next = next_occurrences(w, cal_, tz_, local(2026, 1, 10, 0, 0), 1);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].at, local(2026, 2, 14, 9, 0));
  EXPECT_EQ(next[0].at, 1'771'030'800'000);  // 2026-02-14T01:00:00Z
  EXPECT_EQ(next[0].key, "holiday:2026-02-15");
  ASSERT_TRUE(next[0].holiday.has_value());
  EXPECT_EQ(next[0].holiday->name, "春节");
  EXPECT_EQ(next[0].holiday->days, 9);
}

TEST_F(ScheduleRule, ReminderBeforeEveryHoliday2026) {
  const When w = when("1 workday before every holiday at 09:00");
  // The breaks of 2026; 元旦 2026's reminder goes out on the last workday of 2025.
  const auto got =
      occurrences_between(w, cal_, tz_, local(2025, 12, 1, 0, 0), local(2026, 12, 1, 0, 0), 100);
  EXPECT_THAT(shown(got), ElementsAre("2025-12-31 09:00", "2026-02-14 09:00", "2026-04-03 09:00",
                                      "2026-04-30 09:00", "2026-06-18 09:00", "2026-09-24 09:00",
                                      "2026-09-30 09:00"));
  EXPECT_THAT(keys(got),
              ElementsAre("holiday:2026-01-01", "holiday:2026-02-15", "holiday:2026-04-04",
                          "holiday:2026-05-01", "holiday:2026-06-19", "holiday:2026-09-25",
                          "holiday:2026-10-01"));
  // The same seven from next_occurrences.
  const auto next = next_occurrences(w, cal_, tz_, local(2025, 12, 1, 0, 0), 7);
  EXPECT_EQ(keys(next), keys(got));
  // Listing some festivals selects only those breaks.
  const When two = when("1 workday before 春节, 国庆节 at 09:00");
  EXPECT_THAT(shown(occurrences_between(two, cal_, tz_, local(2025, 12, 1, 0, 0),
                                        local(2026, 12, 1, 0, 0), 100)),
              ElementsAre("2026-02-14 09:00", "2026-09-30 09:00"));
}

TEST_F(ScheduleRule, MergedBreakFiresOnce) {
  // 2025: 国庆节、中秋节 are one break of 8 days.
  const When w = when("1 workday before national_day, mid_autumn at 09:00");
  const auto got =
      occurrences_between(w, cal_, tz_, local(2025, 7, 1, 0, 0), local(2025, 12, 1, 0, 0), 100);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(show(got[0].at), "2025-09-30 09:00");
  EXPECT_EQ(got[0].key, "holiday:2025-10-01");
  EXPECT_EQ(got[0].holiday->name, "国庆节、中秋节");
  // Naming only mid_autumn still finds the merged break.
  EXPECT_EQ(keys(occurrences_between(when("1 workday before 中秋 at 09:00"), cal_, tz_,
                                     local(2025, 7, 1, 0, 0), local(2025, 12, 1, 0, 0), 100)),
            std::vector<std::string>{"holiday:2025-10-01"});
}

// A calendar file may list two breaks with no workday between them (here 中秋 Sep 28-30 and
// 国庆 from Oct 1): "N workdays before/after" lands both on one minute, and the schedule fires
// once there, for the earlier break, in both listings (fuzz_when found the estimated 1925).
TEST_F(ScheduleRule, TouchingBreaksFireOnceAtOneInstant) {
  calendar::YearCalendar y;
  y.year = 2033;
  y.official = true;
  y.holidays = {
      holiday("中秋节", {"mid_autumn"}, {2033, 9, 28}, {2033, 9, 30}),
      holiday("国庆节", {"national_day"}, {2033, 10, 1}, {2033, 10, 7}),
  };
  const calendar::Calendar cal({y});
  const UnixMs from = local(2033, 7, 1, 0, 0);
  const UnixMs to = local(2033, 12, 1, 0, 0);
  for (const char* text : {"2 workdays before every holiday at 09:00",
                           "3 workdays after the start of every holiday at 09:00"}) {
    SCOPED_TRACE(text);
    const When w = when(text);
    const auto between = occurrences_between(w, cal, tz_, from, to, 100);
    EXPECT_EQ(keys(between), std::vector<std::string>{"holiday:2033-09-28"});
    const auto next = next_occurrences(w, cal, tz_, from, 5);
    ASSERT_FALSE(next.empty());
    EXPECT_EQ(next[0].key, "holiday:2033-09-28");
    for (std::size_t i = 1; i < next.size(); ++i) EXPECT_LT(next[i - 1].at, next[i].at);
  }
  // Calendar days keep the two firings apart, so both stay.
  EXPECT_EQ(keys(occurrences_between(when("2 days before every holiday at 09:00"), cal, tz_, from,
                                     to, 100)),
            (std::vector<std::string>{"holiday:2033-09-28", "holiday:2033-10-01"}));
}

TEST_F(ScheduleRule, DaysAfterTheEndOfNationalDay) {
  const When w = when("2 days after the end of 国庆节 at 10:00");
  const auto next = next_occurrences(w, cal_, tz_, local(2026, 1, 1, 0, 0), 1);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(show(next[0].at), "2026-10-09 10:00");
  EXPECT_EQ(next[0].key, "holiday:2026-10-01");
  // Workdays after the end skip the weekend but count the Saturday make-up day (10-10).
  const When wd = when("2 workdays after national_day at 10:00");
  EXPECT_EQ(show(next_occurrences(wd, cal_, tz_, local(2026, 1, 1, 0, 0), 1).at(0).at),
            "2026-10-09 10:00");
  const When wd3 = when("3 workdays after national_day at 10:00");
  EXPECT_EQ(show(next_occurrences(wd3, cal_, tz_, local(2026, 1, 1, 0, 0), 1).at(0).at),
            "2026-10-10 10:00");
}

TEST_F(ScheduleRule, FirstWorkdayOfEveryMonth2026) {
  const When w = when("first workday of every month at 09:30");
  const auto got =
      occurrences_between(w, cal_, tz_, local(2025, 12, 31, 0, 0), local(2026, 12, 31, 0, 0), 100);
  EXPECT_THAT(
      shown(got),
      ElementsAre("2026-01-04 09:30",  // Sunday make-up day after 元旦
                  "2026-02-02 09:30", "2026-03-02 09:30", "2026-04-01 09:30", "2026-05-06 09:30",
                  "2026-06-01 09:30", "2026-07-01 09:30", "2026-08-03 09:30", "2026-09-01 09:30",
                  "2026-10-08 09:30", "2026-11-02 09:30", "2026-12-01 09:30"));
  ASSERT_EQ(got.size(), 12U);
  EXPECT_EQ(got[0].key, "month:2026-01");
  EXPECT_EQ(got[11].key, "month:2026-12");
  EXPECT_FALSE(got[0].holiday.has_value());
}

TEST_F(ScheduleRule, LastWorkdayOfEveryMonth2026) {
  const When w = when("last workday of every month at 17:00");
  const auto got = occurrences_between(w, cal_, tz_, local(2025, 12, 31, 23, 0),
                                       local(2026, 12, 31, 23, 0), 100);
  EXPECT_THAT(shown(got), ElementsAre("2026-01-30 17:00",
                                      "2026-02-28 17:00",  // Saturday make-up day after 春节
                                      "2026-03-31 17:00", "2026-04-30 17:00", "2026-05-29 17:00",
                                      "2026-06-30 17:00", "2026-07-31 17:00", "2026-08-31 17:00",
                                      "2026-09-30 17:00", "2026-10-30 17:00", "2026-11-30 17:00",
                                      "2026-12-31 17:00"));
}

TEST_F(ScheduleRule, NextOccurrencesCountAndStrictlyAfter) {
  const When w = when("first workday of every month at 09:30");
  const auto five = next_occurrences(w, cal_, tz_, local(2026, 1, 4, 9, 30), 5);
  EXPECT_THAT(keys(five), ElementsAre("month:2026-02", "month:2026-03", "month:2026-04",
                                      "month:2026-05", "month:2026-06"));
  // One millisecond earlier the January firing is still ahead.
  EXPECT_EQ(next_occurrences(w, cal_, tz_, local(2026, 1, 4, 9, 30) - 1, 1).at(0).key,
            "month:2026-01");
  // Far ahead runs into estimated years and still finds as many as asked.
  EXPECT_EQ(next_occurrences(w, cal_, tz_, local(2026, 1, 1, 0, 0), 40).size(), 40U);
  EXPECT_EQ(next_occurrences(when("1 workday before every holiday at 09:00"), cal_, tz_,
                             local(2026, 1, 1, 0, 0), 30)
                .size(),
            30U);
  EXPECT_TRUE(next_occurrences(w, cal_, tz_, local(2026, 1, 1, 0, 0), 0).empty());
}

TEST_F(ScheduleRule, OccurrencesBetweenKeepsTheNewest) {
  const When w = when("first workday of every month at 09:30");
  const auto got =
      occurrences_between(w, cal_, tz_, local(2025, 12, 31, 0, 0), local(2026, 12, 31, 0, 0), 3);
  EXPECT_THAT(keys(got), ElementsAre("month:2026-10", "month:2026-11", "month:2026-12"));
  // from is exclusive, to inclusive.
  const UnixMs feb = local(2026, 2, 2, 9, 30);
  EXPECT_THAT(keys(occurrences_between(w, cal_, tz_, feb, feb + 1, 10)), ElementsAre());
  EXPECT_THAT(keys(occurrences_between(w, cal_, tz_, feb - 1, feb, 10)),
              ElementsAre("month:2026-02"));
}

TEST_F(ScheduleRule, CronOccurrences) {
  const When w = when("cron 30 9 * * 1-5");
  const auto next = next_occurrences(w, cal_, tz_, local(2026, 2, 13, 9, 30), 2);
  EXPECT_THAT(keys(next), ElementsAre("cron:2026-02-16T09:30", "cron:2026-02-17T09:30"));
  EXPECT_EQ(next[0].at, local(2026, 2, 16, 9, 30));
  const auto between =
      occurrences_between(w, cal_, tz_, local(2026, 2, 1, 0, 0), local(2026, 3, 1, 0, 0), 2);
  EXPECT_THAT(keys(between), ElementsAre("cron:2026-02-26T09:30", "cron:2026-02-27T09:30"));
  // The cron kind ignores the holiday calendar on purpose: it is plain cron.
  EXPECT_EQ(occurrences_between(w, cal_, tz_, local(2026, 2, 1, 0, 0), local(2026, 3, 1, 0, 0), 100)
                .size(),
            20U);
}

TEST_F(ScheduleRule, AtOccursOnce) {
  const When w = when("at 2026-12-01 09:00");
  const auto next = next_occurrences(w, cal_, tz_, local(2026, 1, 1, 0, 0), 10);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].key, "at:" + std::to_string(local(2026, 12, 1, 9, 0)));
  EXPECT_TRUE(next_occurrences(w, cal_, tz_, local(2026, 12, 1, 9, 0), 10).empty());
  EXPECT_EQ(
      occurrences_between(w, cal_, tz_, local(2026, 11, 1, 0, 0), local(2026, 12, 1, 9, 0), 10)
          .size(),
      1U);
}

TEST_F(ScheduleRule, KeysAreStableAcrossQueries) {
  const When w = when("1 workday before every holiday at 09:00");
  const auto a = next_occurrences(w, cal_, tz_, local(2026, 1, 1, 0, 0), 5);
  const auto b =
      occurrences_between(w, cal_, tz_, local(2026, 3, 1, 0, 0), local(2026, 7, 1, 0, 0), 10);
  EXPECT_THAT(keys(b),
              ElementsAre("holiday:2026-04-04", "holiday:2026-05-01", "holiday:2026-06-19"));
  EXPECT_EQ(a[1].key, b[0].key);
  EXPECT_EQ(a[1].at, b[0].at);
}

TEST_F(ScheduleRule, HolidayParamsAndExpiry) {
  const When w = when("1 workday before spring_festival at 09:00");
  const auto o = next_occurrences(w, cal_, tz_, local(2026, 1, 10, 0, 0), 1).at(0);
  ASSERT_TRUE(o.holiday.has_value());
  EXPECT_THAT(holiday_params(*o.holiday),
              ElementsAre(std::pair<std::string, std::string>{"holiday.name", "春节"},
                          std::pair<std::string, std::string>{"holiday.start", "2026-02-15"},
                          std::pair<std::string, std::string>{"holiday.end", "2026-02-23"},
                          std::pair<std::string, std::string>{"holiday.days", "9"}));
  Spec s;
  s.when = w;
  s.expiry = Expiry::holiday_end;
  EXPECT_EQ(expiry_of(s, o, tz_), local(2026, 2, 24, 0, 0));
  s.expiry = Expiry::after;
  s.expires_after_ms = 3'600'000;
  EXPECT_EQ(expiry_of(s, o, tz_), o.at + 3'600'000);
  s.expiry = Expiry::none;
  EXPECT_EQ(expiry_of(s, o, tz_), std::nullopt);
  // holiday_end on an occurrence without a break: never expires.
  s.expiry = Expiry::holiday_end;
  EXPECT_EQ(expiry_of(s, Occurrence{"month:2026-01", o.at, std::nullopt}, tz_), std::nullopt);
}

// --- specs as JSON ----------------------------------------------------------------------

json reminder_json() {
  return json{{"name", "holiday-integrity"},
              {"description", "廉洁过节提醒"},
              {"when", "1 workday before 元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆 at 09:00"},
              {"groups", {"cadres"}},
              {"template", "holiday-integrity-reminder"},
              {"expires", "holiday_end"}};
}

TEST_F(ScheduleRule, ParseSpecAndRoundTrip) {
  std::vector<FieldError> errors;
  json j = reminder_json();
  j["to"] = {"138 0013 8000", "+8613900139000"};
  j["params"] = {{"office", "纪委"}, {"year", 2026}, {"urgent", false}};
  j["priority"] = "urgent";
  j["enabled"] = false;
  const auto s = parse_spec(j, tz_, errors);
  ASSERT_TRUE(s.has_value()) << (errors.empty() ? "" : errors[0].field + ": " + errors[0].message);
  EXPECT_EQ(s->name, "holiday-integrity");
  EXPECT_EQ(s->when.kind, Kind::holiday);
  EXPECT_EQ(s->when.holiday.festivals.size(), 7U);
  EXPECT_THAT(s->to, ElementsAre("+8613800138000", "+8613900139000"));
  EXPECT_THAT(s->groups, ElementsAre("cadres"));
  EXPECT_EQ(s->template_name, "holiday-integrity-reminder");
  EXPECT_THAT(s->params, ElementsAre(std::pair<std::string, std::string>{"office", "纪委"},
                                     std::pair<std::string, std::string>{"urgent", "false"},
                                     std::pair<std::string, std::string>{"year", "2026"}));
  EXPECT_EQ(s->priority, Priority::urgent);
  EXPECT_EQ(s->expiry, Expiry::holiday_end);
  EXPECT_FALSE(s->enabled);

  const json out = to_json(*s, tz_);
  EXPECT_EQ(out["when"],
            "1 workday before new_year, spring_festival, qingming, labour_day, dragon_boat, "
            "mid_autumn, national_day at 09:00");
  EXPECT_EQ(out["kind"], "holiday");
  EXPECT_EQ(out["expires"], "holiday_end");
  EXPECT_EQ(out["params"]["year"], "2026");
  std::vector<FieldError> errors2;
  const auto again = parse_spec(out, tz_, errors2);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(to_json(*again, tz_), out);
}

TEST_F(ScheduleRule, ConfirmAndMandatoryRoundTripAndMistakesNameTheirField) {
  std::vector<FieldError> errors;
  json j = reminder_json();
  j["confirm"] = {{"yes", {"1", "ＹＥＳ"}}, {"no", {"2"}}, {"within", "48h"}};
  j["mandatory"] = true;
  const auto s = parse_spec(j, tz_, errors);
  ASSERT_TRUE(s.has_value()) << (errors.empty() ? "" : errors[0].field + ": " + errors[0].message);
  EXPECT_THAT(s->confirm_yes, ElementsAre("1", "YES"));
  EXPECT_THAT(s->confirm_no, ElementsAre("2"));
  EXPECT_EQ(s->confirm_within_ms, 48LL * 3600'000);
  EXPECT_TRUE(s->mandatory);
  const json out = to_json(*s, tz_);
  EXPECT_EQ(out["confirm"], (json{{"yes", {"1", "YES"}}, {"no", {"2"}}, {"within", "2d"}})) << out.dump();
  std::vector<FieldError> again_errors;
  const auto again = parse_spec(out, tz_, again_errors);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(to_json(*again, tz_), out);
  // Without confirm or mandatory the document stays as it was.
  EXPECT_FALSE(to_json(*parse_spec(reminder_json(), tz_, errors), tz_).contains("confirm"));

  std::vector<FieldError> bad;
  j["confirm"] = {{"yes", json::array()}, {"no", {"2", "２"}}, {"when", "x"}};
  EXPECT_FALSE(parse_spec(j, tz_, bad).has_value());
  std::vector<std::string> fields;
  for (const auto& e : bad) fields.push_back(e.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("confirm.when", "confirm.yes", "confirm.no[1]", "confirm.within"));
}

TEST_F(ScheduleRule, ParseSpecDefaultsAndDurations) {
  std::vector<FieldError> errors;
  const json j = {{"name", "monthly_briefing"},
                  {"when", "first workday of each month at 09:30"},
                  {"groups", {"deputies", "cppcc", "deputies"}},
                  {"template", "monthly-work-briefing"},
                  {"expires", "12h"}};
  const auto s = parse_spec(j, tz_, errors);
  ASSERT_TRUE(s.has_value());
  EXPECT_THAT(s->groups, ElementsAre("deputies", "cppcc"));
  EXPECT_EQ(s->priority, Priority::normal);
  EXPECT_TRUE(s->enabled);
  EXPECT_EQ(s->expiry, Expiry::after);
  EXPECT_EQ(s->expires_after_ms, 12 * 3'600'000);
  const json out = to_json(*s, tz_);
  EXPECT_EQ(out["expires"], "12h");
  EXPECT_EQ(out["when"], "first workday of every month at 09:30");
  EXPECT_EQ(out["to"], json::array());
  EXPECT_EQ(out["description"], "");
  EXPECT_EQ(to_json(parse_spec(out, tz_, errors).value(), tz_), out);
}

TEST_F(ScheduleRule, ParseSpecErrorsNameTheField) {
  const auto fields_of = [&](const json& j) {
    std::vector<FieldError> errors;
    EXPECT_FALSE(parse_spec(j, tz_, errors).has_value()) << j.dump();
    std::vector<std::string> f;
    for (const auto& e : errors) f.push_back(e.field);
    return f;
  };
  json j = reminder_json();
  j["name"] = "Holiday Reminder";
  j["when"] = "1 workday before xmas at 09:00";
  j["groups"] = {"cadres", 5};
  j["to"] = {"12345"};
  j["params"] = {{"summary", json::array()}};
  j["priority"] = "high";
  j["expires"] = "soon";
  j["enabled"] = "yes";
  EXPECT_THAT(fields_of(j), ElementsAre("name", "when", "groups[1]", "to[0]", "params.summary",
                                        "priority", "expires", "enabled"));
  EXPECT_THAT(fields_of(json{{"when", "cron * * * * *"}}),
              ElementsAre("name", "groups", "template"));
  json no_targets = reminder_json();
  no_targets["groups"] = json::array();
  EXPECT_THAT(fields_of(no_targets), ElementsAre("groups"));
  json wrong_expiry = reminder_json();
  wrong_expiry["when"] = "first workday of every month at 09:30";
  EXPECT_THAT(fields_of(wrong_expiry), ElementsAre("expires"));
  EXPECT_THAT(fields_of(json::array()), ElementsAre("body"));
  json long_name = reminder_json();
  long_name["name"] = std::string(65, 'a');
  EXPECT_THAT(fields_of(long_name), ElementsAre("name"));
}

// 1 MiB of groups and of numbers, each listed twice: a linear duplicate search per element made
// this quadratic (tens of seconds); linear it takes milliseconds. The bound is generous enough
// for a sanitizer build on a shared machine.
TEST_F(ScheduleRule, ParseSpecOfMegabyteListsIsLinear) {
  json j = reminder_json();
  json groups = json::array();
  json to = json::array();
  constexpr int kGroups = 60'000;  // "g12345", twice: about 1 MiB of JSON
  constexpr int kNumbers = 30'000;  // "+8613800012345", twice: about 1 MiB
  for (int copy = 0; copy < 2; ++copy) {
    for (int i = 0; i < kGroups; ++i) groups.push_back("g" + std::to_string(i));
    for (int i = 0; i < kNumbers; ++i) to.push_back("138" + std::to_string(10'000'000 + i));
  }
  j["groups"] = groups;
  j["to"] = to;
  std::vector<FieldError> errors;
  const auto start = std::chrono::steady_clock::now();
  const auto s = parse_spec(j, tz_, errors);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_TRUE(s.has_value()) << (errors.empty() ? "" : errors[0].field + ": " + errors[0].message);
  ASSERT_EQ(s->groups.size(), static_cast<std::size_t>(kGroups));
  EXPECT_EQ(s->groups.front(), "g0");
  EXPECT_EQ(s->groups.back(), "g59999");
  ASSERT_EQ(s->to.size(), static_cast<std::size_t>(kNumbers));
  EXPECT_EQ(s->to.back(), "+8613810029999");
}

// A 1 MiB POST /v1/schedules body holds some 60,000 numbers; removing repeats searched the
// list so far for each (seconds of the io thread). Now a set; the bound is loose for shared
// machines and sanitizer builds.
TEST_F(ScheduleRule, LongRecipientListsStayLinear) {
  json to = json::array();
  for (int i = 0; i < 100'000; ++i) to.push_back("+86138" + std::to_string(10'000'000 + i));
  to.push_back("+8613810000000");  // a repeat
  const json j = {{"name", "many"}, {"when", "cron 0 9 * * *"}, {"to", to}, {"template", "t"}};
  std::vector<FieldError> errors;
  const auto start = std::chrono::steady_clock::now();
  const auto s = parse_spec(j, tz_, errors);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(s) << (errors.empty() ? "" : errors[0].message);
  EXPECT_EQ(s->to.size(), 100'000u);
  EXPECT_LT(elapsed, std::chrono::seconds(120));  // a hang guard: speed is bench/'s job
}

}  // namespace
}  // namespace smsgw::schedule
