#include "calendar/next_year.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/time.hpp"

namespace smsgw::calendar {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

UnixMs at(const char* rfc3339) {
  const auto t = parse_rfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(0);
}

const TimeZone& shanghai() {
  static const TimeZone tz = TimeZone::load("Asia/Shanghai").value_or(TimeZone::utc());
  return tz;
}

bool have_shanghai() {
  std::error_code ec;
  return std::filesystem::is_regular_file("/usr/share/zoneinfo/Asia/Shanghai", ec);
}

Calendar with_2027() {
  std::vector<YearCalendar> years;
  for (int y : Calendar::builtin().official_years()) years.push_back(Calendar::builtin().year(y));
  years.push_back(Calendar::parse_year_file(R"(year = 2027
[[holidays]]
name = "春节"
festivals = ["spring_festival"]
start = 2027-02-05
end = 2027-02-13
)",
                                            "2027.toml"));
  return Calendar(std::move(years));
}

TEST(NextYear, NextYearIsNeededFromTheFirstOfDecember) {
  EXPECT_EQ(last_year_needed(Date{2026, 1, 1}), 2026);
  EXPECT_EQ(last_year_needed(Date{2026, 11, 30}), 2026);
  EXPECT_EQ(last_year_needed(Date{2026, 12, 1}), 2027);
  EXPECT_EQ(last_year_needed(Date{2026, 12, 31}), 2027);
}

TEST(NextYear, BoundaryIsLocalMidnightInTheDaemonsZone) {
  if (!have_shanghai()) GTEST_SKIP() << "no tzdata";
  const Calendar cal = Calendar::builtin();  // 2024-2026
  EXPECT_THAT(missing_official_years(cal, at("2026-11-30T23:59:59+08:00"), shanghai()), IsEmpty());
  EXPECT_THAT(missing_official_years(cal, at("2026-12-01T00:00:00+08:00"), shanghai()),
              ElementsAre(2027));
  // The same instant is still 30 November in UTC: the zone decides, not the host.
  EXPECT_THAT(missing_official_years(cal, at("2026-12-01T00:00:00+08:00"), TimeZone::utc()),
              IsEmpty());
  EXPECT_THAT(missing_official_years(cal, at("2026-12-02T10:00:00+08:00"), shanghai()),
              ElementsAre(2027));
}

TEST(NextYear, NoWarningWhenNextYearIsLoaded) {
  if (!have_shanghai()) GTEST_SKIP() << "no tzdata";
  const Calendar cal = with_2027();
  EXPECT_THAT(missing_official_years(cal, at("2026-12-01T00:00:00+08:00"), shanghai()), IsEmpty());
  EXPECT_THAT(missing_official_years(cal, at("2027-06-01T12:00:00+08:00"), shanghai()), IsEmpty());
  EXPECT_THAT(missing_official_years(cal, at("2027-12-01T00:00:00+08:00"), shanghai()),
              ElementsAre(2028));
  EXPECT_EQ(last_official_year(cal), 2027);
}

TEST(NextYear, ARunningYearWithoutOfficialDataIsMissingToo) {
  const Calendar cal = Calendar::builtin();
  EXPECT_THAT(missing_official_years(cal, Date{2027, 3, 1}), ElementsAre(2027));
  EXPECT_THAT(missing_official_years(cal, Date{2027, 12, 1}), ElementsAre(2027, 2028));
  EXPECT_THAT(missing_official_years(Calendar(), Date{2026, 5, 1}), ElementsAre(2026));
  EXPECT_EQ(last_official_year(cal), 2026);
  EXPECT_EQ(last_official_year(Calendar()), 0);
}

TEST(NextYear, NextLocalMidnight) {
  if (!have_shanghai()) GTEST_SKIP() << "no tzdata";
  EXPECT_EQ(next_local_midnight(at("2026-11-30T10:00:00+08:00"), shanghai()),
            at("2026-12-01T00:00:00+08:00"));
  EXPECT_EQ(next_local_midnight(at("2026-12-01T00:00:00+08:00"), shanghai()),
            at("2026-12-02T00:00:00+08:00"));
  EXPECT_EQ(next_local_midnight(at("2026-12-31T23:59:59.999+08:00"), shanghai()),
            at("2027-01-01T00:00:00+08:00"));
}

}  // namespace
}  // namespace smsgw::calendar
