#include "schedule/quiet_hours.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smsgw::schedule {
namespace {

QuietHours quiet(std::string_view text) {
  std::string error;
  auto q = parse_quiet_hours(text, error);
  EXPECT_TRUE(q.has_value()) << text << ": " << error;
  return q.value_or(QuietHours{});
}

TimeZone shanghai() {
  auto tz = TimeZone::load("Asia/Shanghai");
  if (!tz) ADD_FAILURE() << "Asia/Shanghai is not installed";
  return tz.value_or(TimeZone::utc());
}

TEST(QuietHours, Parse) {
  const QuietHours q = quiet("22:00-08:00");
  EXPECT_EQ(q.start_minute, 22 * 60);
  EXPECT_EQ(q.end_minute, 8 * 60);
  EXPECT_TRUE(q.enabled());
  EXPECT_EQ(to_string(q), "22:00-08:00");
  EXPECT_EQ(to_string(quiet(" 9:05 - 17:30 ")), "09:05-17:30");
  EXPECT_EQ(to_string(quiet("22:30-24:00")), "22:30-00:00");
  EXPECT_FALSE(quiet("off").enabled());
  EXPECT_FALSE(quiet("").enabled());
  EXPECT_EQ(to_string(quiet("off")), "off");
}

TEST(QuietHours, ParseErrors) {
  for (const char* bad : {"22-08", "22:00", "25:00-08:00", "22:60-08:00", "22:00-8", "abc",
                          "22:00-08:00-09:00", "2200-0800"}) {
    std::string error;
    EXPECT_FALSE(parse_quiet_hours(bad, error).has_value()) << bad;
    EXPECT_NE(error.find("HH:MM-HH:MM"), std::string::npos) << bad << ": " << error;
  }
  std::string error;
  EXPECT_FALSE(parse_quiet_hours("08:00-08:00", error).has_value());
  EXPECT_NE(error.find("\"off\""), std::string::npos) << error;
}

TEST(QuietHours, WrappingWindowInShanghai) {
  const TimeZone tz = shanghai();
  const QuietHours q = quiet("22:00-08:00");
  const auto at = [&](int d, int h, int m) { return tz.from_local(2026, 12, d, h, m); };
  EXPECT_FALSE(in_quiet_hours(q, tz, at(1, 21, 59)));
  EXPECT_TRUE(in_quiet_hours(q, tz, at(1, 22, 0)));
  EXPECT_TRUE(in_quiet_hours(q, tz, at(1, 23, 59)));
  EXPECT_TRUE(in_quiet_hours(q, tz, at(2, 0, 0)));
  EXPECT_TRUE(in_quiet_hours(q, tz, at(2, 7, 59)));
  EXPECT_FALSE(in_quiet_hours(q, tz, at(2, 8, 0)));  // the end is exclusive

  // Evening: deferred to 08:00 the next morning, local time (00:00Z).
  EXPECT_EQ(defer_past_quiet_hours(q, tz, at(1, 23, 15)), at(2, 8, 0));
  EXPECT_EQ(at(2, 8, 0), tz.from_local(2026, 12, 2, 8, 0));
  EXPECT_EQ(defer_past_quiet_hours(q, tz, at(1, 23, 15)) % 86'400'000, 0);
  // Early morning: deferred to 08:00 the same day.
  EXPECT_EQ(defer_past_quiet_hours(q, tz, at(2, 3, 0)), at(2, 8, 0));
  // Outside: unchanged, to the millisecond.
  EXPECT_EQ(defer_past_quiet_hours(q, tz, at(2, 9, 0) + 123), at(2, 9, 0) + 123);
  // Over a month and a year end.
  EXPECT_EQ(defer_past_quiet_hours(q, tz, tz.from_local(2026, 12, 31, 22, 30)),
            tz.from_local(2027, 1, 1, 8, 0));
  EXPECT_EQ(defer_past_quiet_hours(q, tz, tz.from_local(2028, 2, 28, 22, 30)),
            tz.from_local(2028, 2, 29, 8, 0));
}

TEST(QuietHours, NonWrappingWindowInUtc) {
  const TimeZone tz = TimeZone::utc();
  const QuietHours q = quiet("12:00-13:30");
  EXPECT_FALSE(in_quiet_hours(q, tz, tz.from_local(2026, 6, 1, 11, 59)));
  EXPECT_TRUE(in_quiet_hours(q, tz, tz.from_local(2026, 6, 1, 12, 0)));
  EXPECT_TRUE(in_quiet_hours(q, tz, tz.from_local(2026, 6, 1, 13, 29)));
  EXPECT_FALSE(in_quiet_hours(q, tz, tz.from_local(2026, 6, 1, 13, 30)));
  EXPECT_EQ(defer_past_quiet_hours(q, tz, tz.from_local(2026, 6, 1, 12, 45)),
            tz.from_local(2026, 6, 1, 13, 30));
}

TEST(QuietHours, SameInstantDiffersByZone) {
  // 23:00 in Shanghai is 15:00 UTC: quiet in one zone, not in the other.
  const TimeZone sh = shanghai();
  const QuietHours q = quiet("22:00-08:00");
  const UnixMs t = sh.from_local(2026, 5, 10, 23, 0);
  EXPECT_TRUE(in_quiet_hours(q, sh, t));
  EXPECT_FALSE(in_quiet_hours(q, TimeZone::utc(), t));
  EXPECT_EQ(defer_past_quiet_hours(q, TimeZone::utc(), t), t);
}

TEST(QuietHours, OffNeverDefers) {
  const QuietHours off = quiet("off");
  const UnixMs t = TimeZone::utc().from_local(2026, 1, 1, 23, 0);
  EXPECT_FALSE(in_quiet_hours(off, TimeZone::utc(), t));
  EXPECT_EQ(defer_past_quiet_hours(off, TimeZone::utc(), t), t);
}

TEST(QuietHours, UrgentIsNeverDeferred) {
  const TimeZone tz = shanghai();
  const QuietHours q = quiet("22:00-08:00");
  const UnixMs night = tz.from_local(2026, 3, 3, 2, 0);
  EXPECT_EQ(quiet_due(q, tz, Priority::urgent, night), night);
  EXPECT_EQ(quiet_due(q, tz, Priority::normal, night), tz.from_local(2026, 3, 3, 8, 0));
}

}  // namespace
}  // namespace smsgw::schedule
