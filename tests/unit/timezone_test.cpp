#include "common/timezone.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace smsgw {
namespace {

constexpr UnixMs kHour = 3'600'000;

bool have_zone(const char* name) {
  std::error_code ec;
  return std::filesystem::is_regular_file(std::string("/usr/share/zoneinfo/") + name, ec);
}

// A UTC instant; TimeZone::Utc pins utc() to absolute values, so the zone tests can use it.
UnixMs utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return TimeZone::utc().from_local(y, mo, d, h, mi, s);
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

TEST(TimeZone, ShanghaiDaylightSavingTime1986To1991) {
  if (!have_zone("Asia/Shanghai")) GTEST_SKIP() << "no tzdata";
  const auto tz = TimeZone::load("Asia/Shanghai");
  ASSERT_TRUE(tz);
  // Every summer from 1986 to 1991 was UTC+9; the summers around them were not.
  for (int year = 1986; year <= 1991; ++year)
    EXPECT_EQ(tz->to_local(utc(year, 7, 1, 0, 0)).utc_offset_seconds, 9 * 3600) << year;
  EXPECT_EQ(tz->to_local(utc(1985, 7, 1, 0, 0)).utc_offset_seconds, 8 * 3600);
  EXPECT_EQ(tz->to_local(utc(1992, 7, 1, 0, 0)).utc_offset_seconds, 8 * 3600);
  EXPECT_EQ(tz->to_local(utc(1988, 12, 1, 0, 0)).utc_offset_seconds, 8 * 3600);

  // 1986-05-04 02:00 CST became 03:00 CDT (at 1986-05-03T18:00Z).
  expect_civil(tz->to_local(utc(1986, 5, 3, 17, 59, 59)), 1986, 5, 4, 1, 59, 59, 8 * 3600);
  expect_civil(tz->to_local(utc(1986, 5, 3, 18, 0)), 1986, 5, 4, 3, 0, 0, 9 * 3600);
  EXPECT_EQ(tz->from_local(1986, 5, 4, 2, 30), utc(1986, 5, 3, 18, 0));  // in the gap
  EXPECT_EQ(tz->from_local(1986, 5, 4, 1, 59, 59), utc(1986, 5, 3, 17, 59, 59));
  EXPECT_EQ(tz->start_of_local_day(utc(1986, 5, 4, 12, 0)), utc(1986, 5, 3, 16, 0));
  // 1986-09-14 02:00 CDT went back to 01:00 CST: 01:30 happened twice, the CDT one first.
  EXPECT_EQ(tz->from_local(1986, 9, 14, 1, 30), utc(1986, 9, 13, 16, 30));
  expect_civil(tz->to_local(utc(1986, 9, 13, 17, 30)), 1986, 9, 14, 1, 30, 0, 8 * 3600);
  // The last change back, 1991-09-15.
  EXPECT_EQ(tz->to_local(utc(1991, 9, 14, 16, 59, 59)).utc_offset_seconds, 9 * 3600);
  EXPECT_EQ(tz->to_local(utc(1991, 9, 14, 17, 0)).utc_offset_seconds, 8 * 3600);
}

TEST(TimeZone, NewYorkGapAndOverlap) {
  if (!have_zone("America/New_York")) GTEST_SKIP() << "no America/New_York";
  const auto tz = TimeZone::load("America/New_York");
  ASSERT_TRUE(tz);
  // 2026-03-08 02:00 EST -> 03:00 EDT at 07:00Z.
  expect_civil(tz->to_local(utc(2026, 3, 8, 6, 59, 59)), 2026, 3, 8, 1, 59, 59, -5 * 3600);
  expect_civil(tz->to_local(utc(2026, 3, 8, 7, 0)), 2026, 3, 8, 3, 0, 0, -4 * 3600);
  EXPECT_EQ(tz->from_local(2026, 3, 8, 2, 0), utc(2026, 3, 8, 7, 0));
  EXPECT_EQ(tz->from_local(2026, 3, 8, 2, 59, 59), utc(2026, 3, 8, 7, 0));
  EXPECT_EQ(tz->from_local(2026, 3, 8, 3, 0), utc(2026, 3, 8, 7, 0));
  // 2026-11-01 02:00 EDT -> 01:00 EST at 06:00Z: 01:xx twice, the EDT one is chosen.
  EXPECT_EQ(tz->from_local(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30));
  EXPECT_EQ(tz->from_local(2026, 11, 1, 2, 0), utc(2026, 11, 1, 7, 0));
  expect_civil(tz->to_local(utc(2026, 11, 1, 5, 59, 59)), 2026, 11, 1, 1, 59, 59, -4 * 3600);
  expect_civil(tz->to_local(utc(2026, 11, 1, 6, 0)), 2026, 11, 1, 1, 0, 0, -5 * 3600);
  // A 25-hour day: midnight is still EDT.
  EXPECT_EQ(tz->start_of_local_day(utc(2026, 11, 1, 23, 0)), utc(2026, 11, 1, 4, 0));
}

TEST(TimeZone, UtcNamesThroughTheDatabase) {
  if (!have_zone("Etc/UTC")) GTEST_SKIP() << "no tzdata";
  for (const char* name : {"Etc/UTC", "Etc/GMT", "Zulu"}) {
    const auto tz = TimeZone::load(name);
    ASSERT_TRUE(tz) << name;
    EXPECT_EQ(tz->name(), name);
    expect_civil(tz->to_local(1'795'654'800'000), 2026, 11, 26, 1, 0, 0, 0);
    EXPECT_EQ(tz->from_local(2026, 11, 26, 1, 0), 1'795'654'800'000);
  }
  // Etc/GMT-14 has no transitions at all: its offset comes from the file's rule alone.
  const auto kiribati = TimeZone::load("Etc/GMT-14");
  ASSERT_TRUE(kiribati);
  expect_civil(kiribati->to_local(utc(2026, 1, 1, 12, 0)), 2026, 1, 2, 2, 0, 0, 14 * 3600);
}

TEST(TimeZone, FarPastAndFuture) {
  if (!have_zone("Europe/Berlin") || !have_zone("Asia/Shanghai")) GTEST_SKIP() << "no tzdata";
  const auto berlin = TimeZone::load("Europe/Berlin");
  const auto shanghai = TimeZone::load("Asia/Shanghai");
  ASSERT_TRUE(berlin && shanghai);
  expect_civil(berlin->to_local(utc(1900, 1, 1, 0, 0)), 1900, 1, 1, 1, 0, 0, 3600);
  // Shanghai kept local mean time (+8:05:43) until the end of 1900.
  expect_civil(shanghai->to_local(utc(1900, 6, 1, 0, 0)), 1900, 6, 1, 8, 5, 43, 29'143);
  EXPECT_EQ(shanghai->from_local(1900, 6, 1, 8, 5, 43), utc(1900, 6, 1, 0, 0));
  // 2100 is long after the files' last transition (2037): the zone's rule carries on.
  expect_civil(berlin->to_local(utc(2100, 7, 1, 12, 0)), 2100, 7, 1, 14, 0, 0, 7200);
  expect_civil(berlin->to_local(utc(2100, 1, 15, 12, 0)), 2100, 1, 15, 13, 0, 0, 3600);
  EXPECT_EQ(berlin->from_local(2100, 3, 28, 2, 30), utc(2100, 3, 28, 1, 0));  // gap
  EXPECT_EQ(berlin->from_local(2100, 10, 31, 2, 30), utc(2100, 10, 31, 0, 30));  // overlap
  expect_civil(shanghai->to_local(utc(2100, 7, 1, 12, 0)), 2100, 7, 1, 20, 0, 0, 8 * 3600);

  // Out of any sensible range: clamped, never a crash or an exception.
  for (const auto& tz : {*berlin, *shanghai, TimeZone::utc()}) {
    for (const UnixMs t : {std::numeric_limits<UnixMs>::min(), std::numeric_limits<UnixMs>::max(),
                           UnixMs{-62'135'596'800'000} /* 0001-01-01 */}) {
      const CivilTime c = tz.to_local(t);
      EXPECT_GE(c.year, -32767);
      EXPECT_LE(c.year, 32767);
      EXPECT_GE(c.month, 1);
      EXPECT_LE(c.month, 12);
      (void)tz.start_of_local_day(t);
    }
    EXPECT_LT(tz.from_local(INT_MIN, 1, 1, 0, 0), tz.from_local(1, 1, 1, 0, 0));
    EXPECT_GT(tz.from_local(INT_MAX, 12, 31, 23, 59, 59), tz.from_local(9999, 1, 1, 0, 0));
  }
}

TEST(TimeZone, UnknownOrUnsafeNames) {
  for (const std::string& name :
       {std::string("Mars/Olympus_Mons"), std::string(), std::string("../../etc/passwd"),
        std::string("/etc/localtime"), std::string("Asia") /* a folder */,
        std::string("Asia/Shang\0hai", 14), std::string(10'000, 'A'), std::string("UTC "),
        std::string("asia/shanghai")}) {
    std::optional<TimeZone> tz;
    EXPECT_NO_THROW(tz = TimeZone::load(name));
    EXPECT_FALSE(tz) << name;
  }
  if (have_zone("zone.tab")) {
    EXPECT_FALSE(TimeZone::load("zone.tab"));  // not a TZif file
  }
}

TEST(TimeZone, RuleTheLibraryCannotParseFallsBackToTransitions) {
  // date 3.0.1 rejects Nuuk's "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"; the zone still loads and the
  // file's transitions (to 2037 in Debian's fat files) give the right offsets.
  if (!have_zone("America/Nuuk")) GTEST_SKIP() << "no America/Nuuk";
  const auto tz = TimeZone::load("America/Nuuk");
  ASSERT_TRUE(tz);
  EXPECT_EQ(tz->to_local(utc(2030, 1, 15, 12, 0)).utc_offset_seconds, -2 * 3600);
  EXPECT_EQ(tz->to_local(utc(2030, 7, 15, 12, 0)).utc_offset_seconds, -1 * 3600);
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
