#include "common/timezone.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>
#include <vector>

namespace smsgw {
namespace {

constexpr UnixMs kHour = 3'600'000;

bool have_zone(const char* name) {
  std::error_code ec;
  return std::filesystem::is_regular_file(std::string("/usr/share/zoneinfo/") + name, ec);
}

void expect_civil(const CivilTime& c, int y, int mo, int d, int h, int mi, int s, int offset) {
  EXPECT_EQ(c.year, y);
  EXPECT_EQ(c.month, mo);
  EXPECT_EQ(c.day, d);
  EXPECT_EQ(c.hour, h);
  EXPECT_EQ(c.minute, mi);
  EXPECT_EQ(c.second, s);
  EXPECT_EQ(c.utc_offset_seconds, offset);
}

TEST(TimeZone, Utc) {
  const TimeZone utc = TimeZone::utc();
  EXPECT_EQ(utc.name(), "UTC");
  const CivilTime c = utc.to_local(1'795'654'800'000);  // 2026-11-26T01:00:00Z
  expect_civil(c, 2026, 11, 26, 1, 0, 0, 0);
  EXPECT_EQ(c.weekday, 4);  // Thursday
  EXPECT_EQ(utc.from_local(2026, 11, 26, 1, 0), 1'795'654'800'000);
  EXPECT_EQ(utc.start_of_local_day(1'795'654'800'000), 1'795'654'800'000 - kHour);
  // Before the epoch: floor, not truncation.
  const CivilTime before = utc.to_local(-500);
  expect_civil(before, 1969, 12, 31, 23, 59, 59, 0);
  EXPECT_EQ(before.weekday, 3);
  ASSERT_TRUE(TimeZone::load("UTC"));
  EXPECT_EQ(TimeZone::load("UTC")->to_local(0).year, 1970);
}

TEST(TimeZone, Shanghai) {
  if (!have_zone("Asia/Shanghai")) GTEST_SKIP() << "no tzdata";
  const auto tz = TimeZone::load("Asia/Shanghai");
  ASSERT_TRUE(tz);
  EXPECT_EQ(tz->name(), "Asia/Shanghai");
  const UnixMs t = 1'795'654'800'000;  // 2026-11-26T01:00:00Z
  const CivilTime c = tz->to_local(t);
  expect_civil(c, 2026, 11, 26, 9, 0, 0, 8 * 3600);
  EXPECT_EQ(c.weekday, 4);
  // Local midnight of 2026-11-26 is 2026-11-25T16:00:00Z.
  EXPECT_EQ(tz->start_of_local_day(t), 1'795'622'400'000);
  EXPECT_EQ(tz->start_of_local_day(1'795'622'400'000), 1'795'622'400'000);
  EXPECT_EQ(tz->start_of_local_day(1'795'622'400'000 - 1), 1'795'622'400'000 - 24 * kHour);
  EXPECT_EQ(tz->from_local(2026, 11, 26, 9, 0), t);
  // 00:30 local is still the previous day in UTC.
  expect_civil(tz->to_local(tz->from_local(2026, 1, 1, 0, 30, 15)), 2026, 1, 1, 0, 30, 15, 28800);
  // China observed DST from 1986 to 1991: the file's transitions are followed.
  EXPECT_EQ(tz->to_local(583'718'400'000).utc_offset_seconds, 9 * 3600);  // 1988-07-01
}

TEST(TimeZone, UnknownOrUnsafeNames) {
  EXPECT_FALSE(TimeZone::load("Mars/Olympus_Mons"));
  EXPECT_FALSE(TimeZone::load(""));
  EXPECT_FALSE(TimeZone::load("../../etc/passwd"));
  EXPECT_FALSE(TimeZone::load("/etc/localtime"));
  EXPECT_FALSE(TimeZone::load("Asia"));  // a folder, not a zone
  if (have_zone("zone.tab")) {
    EXPECT_FALSE(TimeZone::load("zone.tab"));  // not a TZif file
  }
}

TEST(TimeZone, BerlinAroundTransitions) {
  if (!have_zone("Europe/Berlin")) GTEST_SKIP() << "no Europe/Berlin in /usr/share/zoneinfo";
  const auto tz = TimeZone::load("Europe/Berlin");
  ASSERT_TRUE(tz);
  // Spring forward on 2026-03-29 at 01:00Z: 01:59:59 CET, then 03:00:00 CEST.
  expect_civil(tz->to_local(1'774'745'999'000), 2026, 3, 29, 1, 59, 59, 3600);
  expect_civil(tz->to_local(1'774'746'000'000), 2026, 3, 29, 3, 0, 0, 7200);
  // 02:30 does not exist that day: the first instant after the gap.
  EXPECT_EQ(tz->from_local(2026, 3, 29, 2, 30), 1'774'746'000'000);
  EXPECT_EQ(tz->from_local(2026, 3, 29, 3, 0), 1'774'746'000'000);
  EXPECT_EQ(tz->from_local(2026, 3, 29, 1, 0), 1'774'746'000'000 - kHour);
  // Midnight before the change is 23:00Z the day before.
  EXPECT_EQ(tz->start_of_local_day(1'774'746'000'000 + 10 * kHour), 1'774'738'800'000);

  // Fall back on 2026-10-25 at 01:00Z: 02:30 happens twice; the earlier (CEST) one is chosen.
  EXPECT_EQ(tz->from_local(2026, 10, 25, 2, 30), 1'792'888'200'000);
  EXPECT_EQ(tz->from_local(2026, 10, 25, 3, 30), 1'792'895'400'000);
  expect_civil(tz->to_local(1'792'890'000'000 - 1000), 2026, 10, 25, 2, 59, 59, 7200);
  expect_civil(tz->to_local(1'792'890'000'000), 2026, 10, 25, 2, 0, 0, 3600);

  // Past the file's last transition the footer rule applies.
  expect_civil(tz->to_local(2'224'756'800'000), 2040, 7, 1, 14, 0, 0, 7200);
  expect_civil(tz->to_local(2'224'756'800'000 + 180LL * 24 * kHour), 2040, 12, 28, 13, 0, 0,
               3600);
  EXPECT_EQ(tz->from_local(2040, 7, 1, 14, 0), 2'224'756'800'000);
}

TEST(TimeZone, SouthernHemisphereRuleAfterLastTransition) {
  if (!have_zone("Australia/Sydney")) GTEST_SKIP() << "no Australia/Sydney";
  const auto tz = TimeZone::load("Australia/Sydney");
  ASSERT_TRUE(tz);
  EXPECT_EQ(tz->to_local(2'210'198'400'000).utc_offset_seconds, 11 * 3600);  // 2040-01-15, DST
  EXPECT_EQ(tz->to_local(2'225'923'200'000).utc_offset_seconds, 10 * 3600);  // 2040-07-15
}

TEST(TimeZone, ConcurrentLoadsAndConversions) {
  if (!have_zone("Asia/Shanghai")) GTEST_SKIP() << "no tzdata";
  std::vector<std::thread> threads;
  std::vector<int> hours(8, -1);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&hours, i] {
      for (int k = 0; k < 200; ++k) {
        const auto tz = TimeZone::load("Asia/Shanghai");
        if (!tz) return;
        hours[static_cast<std::size_t>(i)] = tz->to_local(1'795'654'800'000).hour;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int h : hours) EXPECT_EQ(h, 9);
}

}  // namespace
}  // namespace smsgw
