#include "adapters/core/gsm7.hpp"

#include <gtest/gtest.h>

#include "common/sms_encoding.hpp"

namespace smsgw::adapters {
namespace {

TEST(Gsm7, BasicAndExtensionCharactersMapToTheirSeptets) {
  EXPECT_EQ(utf8_to_gsm7("@$_"), std::string("\x00\x02\x11", 3));
  EXPECT_EQ(utf8_to_gsm7("A1 z"), std::string("A1 z"));
  EXPECT_EQ(utf8_to_gsm7("€[]"), std::string("\x1b\x65\x1b\x3c\x1b\x3e"));
  EXPECT_EQ(utf8_to_gsm7("Δ¿à"), std::string("\x10\x60\x7f"));
  EXPECT_FALSE(utf8_to_gsm7("`").has_value());
  EXPECT_FALSE(utf8_to_gsm7("中").has_value());
  EXPECT_FALSE(utf8_to_gsm7("\xff").has_value());
}

TEST(Gsm7, RoundTripsEveryCharacterItCanEncode) {
  const std::string text = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./09:;<=>?¡AZÄÖÑÜ§¿azäöñüà^{}\\[~]|€";
  const auto septets = utf8_to_gsm7(text);
  ASSERT_TRUE(septets.has_value());
  EXPECT_EQ(gsm7_to_utf8(*septets), text);
  EXPECT_EQ(gsm7_to_utf8(std::string("\x1b\x01", 2)), " ");  // an unknown escape
}

TEST(Gsm7, PackingIsSevenBitsLeastSignificantFirstAndUnpacksBack) {
  // 23.038's example: "hellohello" -> E8 32 9B FD 46 97 D9 EC 37.
  EXPECT_EQ(pack_gsm7("hellohello"), std::string("\xE8\x32\x9B\xFD\x46\x97\xD9\xEC\x37"));
  EXPECT_EQ(unpack_gsm7(pack_gsm7("hellohello"), 10), "hellohello");
  const std::string septets(153, 'a');
  EXPECT_EQ(pack_gsm7(septets, 1).size(), 134u);  // after a 6-octet UDH: 140 in all
  EXPECT_EQ(unpack_gsm7(pack_gsm7(septets, 1), 153, 1), septets);
}

TEST(Gsm7, PartsNeverSplitAnEscapeAndMatchTheSegmentCount) {
  EXPECT_EQ(split_gsm7(std::string(160, 'a'), 1).parts.size(), 1u);
  for (std::size_t n : {161u, 306u, 307u, 500u}) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text += i % 7 == 3 ? "€" : "a";
    const auto septets = *utf8_to_gsm7(text);
    const auto parts = split_gsm7(septets, 9);
    EXPECT_EQ(static_cast<int>(parts.parts.size()), measure_sms(text).segments) << n;
    std::string joined;
    for (const auto& p : parts.parts) {
      ASSERT_LE(p.size(), 6u + 153u);
      EXPECT_EQ(p.substr(0, 4), std::string("\x05\x00\x03\x09", 4));
      EXPECT_NE(p.back(), '\x1b');
      joined += p.substr(6);
    }
    EXPECT_EQ(gsm7_to_utf8(joined), text);
  }
  const auto bare = split_gsm7(std::string(200, 'a'), 1, false);
  EXPECT_FALSE(bare.with_udh);
  EXPECT_EQ(bare.parts[0].size(), 153u);
}

}  // namespace
}  // namespace smsgw::adapters
