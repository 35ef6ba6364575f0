#include "common/phone.hpp"

#include <gtest/gtest.h>

namespace smsgw {
namespace {

std::string e164(std::string_view input) {
  const auto r = normalize_phone(input);
  EXPECT_TRUE(r.ok()) << input << ": " << r.error;
  return r.e164;
}

std::string error_of(std::string_view input) {
  const auto r = normalize_phone(input);
  EXPECT_FALSE(r.ok()) << input << " was accepted as " << r.e164;
  return r.error;
}

TEST(Phone, ChineseMobileForms) {
  EXPECT_EQ(e164("13800138000"), "+8613800138000");
  EXPECT_EQ(e164("+8613800138000"), "+8613800138000");
  EXPECT_EQ(e164("8613800138000"), "+8613800138000");
  EXPECT_EQ(e164("008613800138000"), "+8613800138000");
  EXPECT_EQ(e164("+86 138-0013-8000"), "+8613800138000");
  EXPECT_EQ(e164("(+86) 138.0013.8000"), "+8613800138000");
  EXPECT_EQ(e164("  19912345678 "), "+8619912345678");
}

TEST(Phone, FullWidthInput) {
  EXPECT_EQ(e164("１３８００１３８０００"), "+8613800138000");
  EXPECT_EQ(e164("＋８６ １３８－００１３－８０００"), "+8613800138000");
  EXPECT_EQ(e164("（＋86）13800138000"), "+8613800138000");
}

TEST(Phone, InternationalNumbers) {
  EXPECT_EQ(e164("+44 7700 900123"), "+447700900123");
  EXPECT_EQ(e164("0044 7700 900123"), "+447700900123");
  EXPECT_EQ(e164("+1 (415) 555-2671"), "+14155552671");
  EXPECT_EQ(e164("+85291234567"), "+85291234567");
}

TEST(Phone, Rejections) {
  EXPECT_EQ(error_of(""), "is empty");
  EXPECT_EQ(error_of("   "), "is empty");
  EXPECT_EQ(error_of("+"), "no digits after '+'");
  EXPECT_NE(error_of("1380013800a").find("invalid character 'a'"), std::string::npos);
  EXPECT_NE(error_of("138+00138000").find("'+'"), std::string::npos);
  EXPECT_NE(error_of("12800138000").find("not a Chinese mobile"), std::string::npos);
  EXPECT_NE(error_of("1380013800").find("too short"), std::string::npos);
  EXPECT_NE(error_of("138001380001").find("not a Chinese mobile"), std::string::npos);
  EXPECT_NE(error_of("+861080001234").find("Chinese mobile"), std::string::npos);
  EXPECT_NE(error_of("+0123456789").find("country code"), std::string::npos);
  EXPECT_NE(error_of("+4412345").find("too short"), std::string::npos);
  EXPECT_NE(error_of("+4412345678901234").find("too long"), std::string::npos);
  EXPECT_NE(error_of("电话13800138000").find("not a digit"), std::string::npos);
  EXPECT_FALSE(normalize_phone("+8613800138000\n1").ok());
}

TEST(Phone, Mask) {
  EXPECT_EQ(mask_phone("+8613800138000"), "+86138****8000");
  EXPECT_EQ(mask_phone("13800138000"), "138****8000");
  EXPECT_EQ(mask_phone("+447700900123"), "+4477****0123");
  EXPECT_EQ(mask_phone("12345"), "***45");
  EXPECT_EQ(mask_phone("+12345"), "+***45");
  EXPECT_EQ(mask_phone("1234"), "****");
  EXPECT_EQ(mask_phone(""), "");
}

}  // namespace
}  // namespace smsgw
