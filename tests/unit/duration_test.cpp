#include "common/duration.hpp"

#include <gtest/gtest.h>

namespace smsgw {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesEachUnit) {
  EXPECT_EQ(parse_duration("200ms"), milliseconds(200));
  EXPECT_EQ(parse_duration("5s"), milliseconds(5'000));
  EXPECT_EQ(parse_duration("30m"), milliseconds(1'800'000));
  EXPECT_EQ(parse_duration("6h"), milliseconds(21'600'000));
  EXPECT_EQ(parse_duration("1d"), milliseconds(86'400'000));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
}

TEST(Duration, ParsesCombinations) {
  EXPECT_EQ(parse_duration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(parse_duration("1m30s500ms"), milliseconds(90'500));
  EXPECT_EQ(parse_duration("1d12h"), milliseconds(129'600'000));
}

TEST(Duration, RejectsMalformed) {
  for (const char* bad : {"", "5", "s", "-5s", "5 s", " 5s", "5s ", "1.5s", "5x", "5sec", "h1",
                          "99999999999999999999ms", "9999999999999999d", "5S"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Duration, FormatsShortestExactForm) {
  EXPECT_EQ(format_duration(milliseconds(1'500)), "1500ms");
  EXPECT_EQ(format_duration(milliseconds(30'000)), "30s");
  EXPECT_EQ(format_duration(milliseconds(5'400'000)), "90m");
  EXPECT_EQ(format_duration(milliseconds(7'200'000)), "2h");
  EXPECT_EQ(format_duration(milliseconds(172'800'000)), "2d");
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  for (auto ms : {1, 999, 1'000, 61'000, 3'600'000, 90'061'001}) {
    EXPECT_EQ(parse_duration(format_duration(milliseconds(ms))), milliseconds(ms));
  }
}

}  // namespace
}  // namespace smsgw
