#include "common/sms_encoding.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smsgw {
namespace {

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Sms, EmptyTextIsOneGsmSegment) {
  const auto m = measure_sms("");
  EXPECT_EQ(m.encoding, SmsEncoding::gsm7);
  EXPECT_EQ(m.chars, 0);
  EXPECT_EQ(m.units, 0);
  EXPECT_EQ(m.segments, 1);
}

TEST(Sms, AsciiSingleAndConcatenated) {
  EXPECT_EQ(measure_sms(repeat("a", 160)).segments, 1);
  EXPECT_EQ(measure_sms(repeat("a", 161)).segments, 2);
  EXPECT_EQ(measure_sms(repeat("a", 306)).segments, 2);
  EXPECT_EQ(measure_sms(repeat("a", 307)).segments, 3);
  const auto m = measure_sms(repeat("a", 161));
  EXPECT_EQ(m.encoding, SmsEncoding::gsm7);
  EXPECT_EQ(m.chars, 161);
  EXPECT_EQ(m.units, 161);
}

TEST(Sms, ExtensionCharactersCostTwoSeptets) {
  const auto m = measure_sms("{");
  EXPECT_EQ(m.encoding, SmsEncoding::gsm7);
  EXPECT_EQ(m.chars, 1);
  EXPECT_EQ(m.units, 2);
  EXPECT_EQ(measure_sms("€[]{}|^~\\\f").units, 20);
  EXPECT_EQ(measure_sms(repeat("a", 158) + "{").segments, 1);  // 160 septets
  EXPECT_EQ(measure_sms(repeat("a", 159) + "{").segments, 2);  // 161 septets
}

TEST(Sms, EscapePairIsNotSplitAtPartBoundary) {
  // 152 septets then '{' (2): the pair would straddle 153, so it moves to part 2; 153 + 152
  // more 'a' fill part 2 exactly -> 2 parts. One more char makes 3.
  const std::string text = repeat("a", 152) + "{" + repeat("a", 151);
  const auto m = measure_sms(text);
  EXPECT_EQ(m.units, 305);
  EXPECT_EQ(m.segments, 2);  // part 1: 152, part 2: '{' + 151 = 153
  const std::string longer = repeat("a", 152) + "{" + repeat("a", 152);
  EXPECT_EQ(measure_sms(longer).units, 306);
  EXPECT_EQ(measure_sms(longer).segments, 3);  // 306 septets fit 2x153 only if the pair split
}

TEST(Sms, GsmSpecificCharactersStayGsm) {
  const auto m = measure_sms("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\r\n");
  EXPECT_EQ(m.encoding, SmsEncoding::gsm7);
  EXPECT_EQ(m.units, m.chars);
}

TEST(Sms, BacktickForcesUcs2) {
  const auto m = measure_sms("run `ls`");
  EXPECT_EQ(m.encoding, SmsEncoding::ucs2);
  EXPECT_EQ(m.units, 8);
}

TEST(Sms, ChineseSingleAndConcatenated) {
  EXPECT_EQ(measure_sms(repeat("廉", 70)).segments, 1);
  EXPECT_EQ(measure_sms(repeat("廉", 71)).segments, 2);
  EXPECT_EQ(measure_sms(repeat("廉", 134)).segments, 2);
  EXPECT_EQ(measure_sms(repeat("廉", 135)).segments, 3);
  const auto m = measure_sms("【某某区纪委】节日廉政提醒");
  EXPECT_EQ(m.encoding, SmsEncoding::ucs2);
  EXPECT_EQ(m.chars, 13);
  EXPECT_EQ(m.units, 13);
}

TEST(Sms, EmojiCountsTwoUnitsAndIsNotSplit) {
  const auto m = measure_sms("好😀");
  EXPECT_EQ(m.encoding, SmsEncoding::ucs2);
  EXPECT_EQ(m.chars, 2);
  EXPECT_EQ(m.units, 3);
  EXPECT_EQ(measure_sms(repeat("😀", 35)).segments, 1);  // 70 units
  // 66 units + emoji would straddle 67: it starts part 2.
  const std::string text = repeat("廉", 66) + "😀" + repeat("廉", 65);
  EXPECT_EQ(measure_sms(text).units, 133);
  EXPECT_EQ(measure_sms(text).segments, 2);
  EXPECT_EQ(measure_sms(text + "廉").segments, 3);
}

TEST(Sms, InvalidUtf8CountsOneUnitPerByte) {
  const auto m = measure_sms(std::string("ab\xff\xfe", 4));
  EXPECT_EQ(m.encoding, SmsEncoding::ucs2);
  EXPECT_EQ(m.chars, 4);
  EXPECT_EQ(m.units, 4);
  EXPECT_EQ(measure_sms(std::string("\xe5\xbb", 2)).units, 2);  // truncated sequence
}

TEST(Sms, EncodingNames) {
  EXPECT_EQ(to_string(SmsEncoding::gsm7), "gsm7");
  EXPECT_EQ(to_string(SmsEncoding::ucs2), "ucs2");
}

}  // namespace
}  // namespace smsgw
