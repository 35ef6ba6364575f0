// The console home page's plain functions (api/dashboard.hpp): the week's start, the delivery
// rate, the next firings across schedules and the calendar warnings.

#include "api/dashboard.hpp"

#include <gtest/gtest.h>

#include "common/time.hpp"

namespace smsgw::api {
namespace {

using calendar::Date;

UnixMs at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

TimeZone shanghai() { return *TimeZone::load("Asia/Shanghai"); }

TEST(DashboardWeek, StartsOnMondayAtLocalMidnight) {
  const TimeZone tz = shanghai();
  // Thursday 10 December 2026 -> Monday the 7th, 00:00 in Beijing (16:00 UTC the day before).
  EXPECT_EQ(start_of_local_week(at("2026-12-10T10:00:00+08:00"), tz), at("2026-12-07T00:00:00+08:00"));
  EXPECT_EQ(start_of_local_week(at("2026-12-07T00:00:00+08:00"), tz), at("2026-12-07T00:00:00+08:00"));
  // Sunday evening still belongs to the week that began six days before.
  EXPECT_EQ(start_of_local_week(at("2026-12-13T23:59:59+08:00"), tz), at("2026-12-07T00:00:00+08:00"));
  // Monday 07:00 in Beijing is still Sunday in UTC: the week is the daemon's zone's.
  EXPECT_EQ(start_of_local_week(at("2026-12-14T07:00:00+08:00"), tz), at("2026-12-14T00:00:00+08:00"));
  EXPECT_EQ(start_of_local_week(at("2026-12-14T07:00:00+08:00"), TimeZone::utc()), at("2026-12-07T00:00:00Z"));
  // Across a month's and a year's end.
  EXPECT_EQ(start_of_local_week(at("2027-01-02T12:00:00+08:00"), tz), at("2026-12-28T00:00:00+08:00"));
}

TEST(DashboardRate, DeliveredAmongTheMessagesWithAnOutcome) {
  EXPECT_FALSE(delivery_rate({}));
  // Sent (no report yet), queued and cancelled ones have no outcome.
  EXPECT_FALSE(delivery_rate({{Status::sent, 5}, {Status::queued, 2}, {Status::cancelled, 1}}));
  EXPECT_DOUBLE_EQ(*delivery_rate({{Status::delivered, 3}, {Status::sent, 5}, {Status::cancelled, 4}}), 1.0);
  EXPECT_DOUBLE_EQ(*delivery_rate({{Status::delivered, 3}, {Status::failed, 2}, {Status::expired, 1}}), 0.5);
  EXPECT_DOUBLE_EQ(*delivery_rate({{Status::failed, 2}}), 0.0);
}

Firing firing(std::string name, std::int64_t id, UnixMs t, std::optional<calendar::Holiday> h = std::nullopt) {
  schedule::Occurrence o;
  o.key = "at:" + std::to_string(t);
  o.at = t;
  o.holiday = std::move(h);
  return {std::move(name), id, std::move(o)};
}

std::vector<std::string> names(const std::vector<Firing>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.schedule + "@" + std::to_string(f.occurrence.at));
  return out;
}

TEST(DashboardFirings, TheEarliestAcrossSchedulesTiesBySchedule) {
  std::vector<Firing> all = {firing("b", 2, 300), firing("a", 1, 100), firing("b", 2, 100),
                             firing("a", 1, 400), firing("c", 3, 200), firing("a", 1, 500)};
  EXPECT_EQ(names(earliest_firings(all, 4)), (std::vector<std::string>{"a@100", "b@100", "c@200", "b@300"}));
  EXPECT_EQ(earliest_firings(all, 10).size(), 6u);
  EXPECT_EQ(names(earliest_firings({firing("x", 9, 7)}, 5)), (std::vector<std::string>{"x@7"}));
  EXPECT_TRUE(earliest_firings(all, 0).empty());
}

calendar::Calendar official(std::vector<int> years) {
  std::vector<calendar::YearCalendar> ys;
  for (int y : years) {
    calendar::YearCalendar c;
    c.year = y;
    c.official = true;
    ys.push_back(c);
  }
  return calendar::Calendar(std::move(ys));
}

calendar::Holiday holiday(std::string name, Date start, Date end, bool estimated) {
  calendar::Holiday h;
  h.name = std::move(name);
  h.start = start;
  h.end = end;
  h.days = static_cast<int>(calendar::to_days(end) - calendar::to_days(start) + 1);
  h.estimated = estimated;
  return h;
}

std::vector<std::string> codes(const std::vector<CalendarWarning>& ws) {
  std::vector<std::string> out;
  for (const auto& w : ws) out.push_back(w.code + " " + std::to_string(w.year));
  return out;
}

TEST(DashboardWarnings, TheCurrentYearWithoutOfficialData) {
  const auto ws = calendar_warnings(official({2025}), Date{2026, 3, 1}, {});
  ASSERT_EQ(codes(ws), (std::vector<std::string>{"no_official_calendar 2026"}));
  EXPECT_NE(ws[0].message.find("2026"), std::string::npos);
  EXPECT_TRUE(ws[0].firings.empty());
  EXPECT_TRUE(calendar_warnings(official({2026}), Date{2026, 3, 1}, {}).empty());
}

TEST(DashboardWarnings, NextYearFromNinetyDaysBeforeTheFirstOfJanuary) {
  const auto cal = official({2026});
  EXPECT_TRUE(calendar_warnings(cal, Date{2026, 10, 2}, {}).empty());  // 91 days to go
  EXPECT_EQ(codes(calendar_warnings(cal, Date{2026, 10, 3}, {})),    // 90
            (std::vector<std::string>{"no_official_calendar 2027"}));
  EXPECT_EQ(codes(calendar_warnings(cal, Date{2026, 12, 31}, {})), (std::vector<std::string>{"no_official_calendar 2027"}));
  // Loaded once the notice is out.
  EXPECT_TRUE(calendar_warnings(official({2026, 2027}), Date{2026, 12, 31}, {}).empty());
  // Both years missing: in year order.
  EXPECT_EQ(codes(calendar_warnings(official({}), Date{2026, 11, 20}, {})),
            (std::vector<std::string>{"no_official_calendar 2026", "no_official_calendar 2027"}));
}

TEST(DashboardWarnings, NextFiringsOnEstimatedHolidaysOnePerYear) {
  const auto spring = holiday("春节", Date{2027, 2, 6}, Date{2027, 2, 14}, true);
  const auto qingming = holiday("清明节", Date{2027, 4, 5}, Date{2027, 4, 7}, true);
  const auto official_break = holiday("国庆节", Date{2026, 10, 1}, Date{2026, 10, 7}, false);
  // 元旦 2028 opens on 31 December 2027 in this layout: it is the 2028 notice's.
  const auto new_year = holiday("元旦", Date{2027, 12, 31}, Date{2028, 1, 2}, true);
  const std::vector<Firing> next = {firing("spring-a", 1, 10, spring), firing("daily", 2, 5),
                                    firing("spring-b", 3, 10, spring), firing("qingming", 4, 20, qingming),
                                    firing("national", 5, 1, official_break), firing("new-year", 6, 30, new_year)};
  const auto ws = calendar_warnings(official({2026}), Date{2026, 6, 1}, next);
  ASSERT_EQ(codes(ws), (std::vector<std::string>{"estimated_holiday 2027", "estimated_holiday 2028"}));
  EXPECT_EQ(names(ws[0].firings), (std::vector<std::string>{"spring-a@10", "spring-b@10", "qingming@20"}));
  EXPECT_NE(ws[0].message.find("spring-a, spring-b, qingming"), std::string::npos) << ws[0].message;
  EXPECT_NE(ws[0].message.find("(春节, 清明节)"), std::string::npos) << ws[0].message;  // each break once
  EXPECT_EQ(names(ws[1].firings), (std::vector<std::string>{"new-year@30"}));
  // The year's missing calendar comes first.
  const auto later = calendar_warnings(official({2026}), Date{2026, 12, 1}, next);
  EXPECT_EQ(codes(later), (std::vector<std::string>{"no_official_calendar 2027", "estimated_holiday 2027",
                                                    "estimated_holiday 2028"}));
}

}  // namespace
}  // namespace smsgw::api
