#include "adapters/core/ucs2_parts.hpp"

#include <gtest/gtest.h>

#include "common/sms_encoding.hpp"

namespace smsgw::adapters {
namespace {

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Ucs2Parts, Utf16BigEndianBothWays) {
  EXPECT_EQ(utf8_to_ucs2("你好A"), std::string("\x4f\x60\x59\x7d\x00\x41", 6));
  EXPECT_EQ(utf8_to_ucs2("😀"), std::string("\xd8\x3d\xde\x00", 4));  // a surrogate pair
  EXPECT_EQ(ucs2_to_utf8(utf8_to_ucs2("节日廉洁提醒😀 ok")), "节日廉洁提醒😀 ok");
  EXPECT_EQ(utf8_to_ucs2("\xff"), std::string("\xff\xfd", 2));  // invalid UTF-8 -> U+FFFD
  EXPECT_EQ(ucs2_to_utf8(std::string("\xd8\x3d", 2)), "\xef\xbf\xbd");  // lone surrogate
}

TEST(Ucs2Parts, SeventyFitOneSmsLongerTextGoesIn67UnitPartsWithAUdh) {
  const std::string seventy = repeat("廉", 70);
  auto one = split_ucs2(seventy, 0x2a);
  ASSERT_EQ(one.parts.size(), 1u);
  EXPECT_FALSE(one.with_udh);
  EXPECT_EQ(one.parts[0].size(), 140u);

  const std::string text = repeat("廉", 160);  // 67 + 67 + 26
  auto many = split_ucs2(text, 0x2a);
  ASSERT_EQ(many.parts.size(), 3u);
  EXPECT_TRUE(many.with_udh);
  EXPECT_EQ(many.parts[0].substr(0, 6), std::string("\x05\x00\x03\x2a\x03\x01", 6));
  EXPECT_EQ(many.parts[2].substr(0, 6), std::string("\x05\x00\x03\x2a\x03\x03", 6));
  EXPECT_EQ(many.parts[0].size(), 6u + 134);
  EXPECT_EQ(many.parts[2].size(), 6u + 52);
  EXPECT_EQ(static_cast<int>(many.parts.size()), measure_sms(text).segments);
  // For SMPP's sar_* TLVs: the same parts without the header.
  auto bare = split_ucs2(text, 0x2a, /*with_udh=*/false);
  EXPECT_FALSE(bare.with_udh);
  EXPECT_EQ(bare.parts[0].size(), 134u);
}

TEST(Ucs2Parts, ASurrogatePairIsNeverSplitAcrossParts) {
  // 66 BMP characters, then an emoji at units 67-68: the pair moves whole to part 2.
  const std::string text = repeat("廉", 66) + "😀" + repeat("洁", 10);
  auto p = split_ucs2(text, 1);
  ASSERT_EQ(p.parts.size(), 2u);
  EXPECT_EQ(p.parts[0].size(), 6u + 132);
  EXPECT_EQ(ucs2_to_utf8(p.parts[1].substr(6, 4)), "😀");
  EXPECT_EQ(ucs2_to_utf8(p.parts[0].substr(6) + p.parts[1].substr(6)), text);
  EXPECT_EQ(static_cast<int>(p.parts.size()), measure_sms(text).segments);
}

}  // namespace
}  // namespace smsgw::adapters
