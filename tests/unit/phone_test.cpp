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

struct MaskCase {
  std::string_view input;
  std::string_view masked;
};

TEST(Phone, MaskTable) {
  const MaskCase cases[] = {
      // The SPEC's form: "+86" is the country and not counted, then 3 + 4 of 11 digits shown.
      {"+8613800138000", "+86138****8000"},
      {"13800138000", "138****8000"},
      // Without '+' the 86 is part of the number: still at most 3 + 4 digits shown.
      {"8613800138000", "861******8000"},
      {"008613800138000", "008********8000"},
      // Other countries count every digit.
      {"+491701234567890", "+491********7890"},
      {"+447700900123", "+447*****0123"},
      {"+14155552671", "+141****2671"},
      {"+85291234567", "+852****4567"},
      // Short input keeps fewer, and always masks at least 4.
      {"4155552671", "41****2671"},
      {"415555267", "4****5267"},
      {"41555526", "****5526"},
      {"4155552", "*****52"},
      {"415555", "****55"},
      {"41555", "****5"},
      {"+12345", "+****5"},
      {"1234", "****"},
      {"+123", "+***"},
      {"+86", "+86"},
      {"+861", "+86*"},
      {"+8612345", "+86****5"},
      {"", ""},
      // Separators are kept, everything else that is not a digit is masked.
      {"+86 138-0013-8000", "+86 138-****-8000"},
      {"(+86) 138.0013.8000", "(+86) 1**.****.8000"},
      {"1380013800a", "138****800*"},
      {"138\x1b[2J00138000", "138********8000"},
      {"138\n0013\t8000", "138******8000"},
      {"电话13800138000", "*************8000"},
      // Already masked input is unchanged.
      {"+86138****8000", "+86138****8000"},
      {"****", "****"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(mask_phone(c.input), c.masked) << "input: " << c.input;
  }
}

// How many digits `masked` still shows.
std::size_t shown_digits(std::string_view masked) {
  std::size_t n = 0;
  for (char c : masked)
    if (c >= '0' && c <= '9') ++n;
  return n;
}

TEST(Phone, MaskPropertiesOverGeneratedNumbers) {
  // Every length 1..20, with and without '+', with a few digit patterns (the "+86" prefix
  // among them), and each also with separators in it.
  const std::string_view patterns[] = {"8613800138000123456789", "4917012345678901234567",
                                       "0000000000000000000000", "9876543210987654321098"};
  for (const auto pattern : patterns) {
    for (std::size_t len = 1; len <= 20; ++len) {
      const std::string digits(pattern.substr(0, len));
      for (const std::string& input :
           {digits, "+" + digits, "+" + digits.substr(0, len / 2) + "-" + digits.substr(len / 2),
            digits.substr(0, len / 3) + " " + digits.substr(len / 3)}) {
        const std::string masked = mask_phone(input);
        SCOPED_TRACE("input: " + input + " masked: " + masked);
        EXPECT_EQ(masked.size(), input.size());
        EXPECT_EQ(mask_phone(masked), masked);
        const bool china = input.starts_with("+86");
        const std::size_t positions = china ? len - 2 : len;
        const std::size_t shown = shown_digits(masked) - (china ? 2 : 0);
        EXPECT_LE(shown, 7u);
        if (positions >= 4) {
          EXPECT_GE(positions - shown, 4u);
        } else {
          EXPECT_EQ(shown, 0u);
        }
        if (positions < 8) {
          EXPECT_LE(shown, 2u);
        }
        // Only ever masked: every byte equals the input's or is '*'.
        for (std::size_t i = 0; i < input.size(); ++i)
          EXPECT_TRUE(masked[i] == input[i] || masked[i] == '*') << "at " << i;
      }
    }
  }
}

TEST(Phone, MaskIsIdempotentAndLengthPreservingOnAnyBytes) {
  // Garbage that reaches a log: every byte value, in runs of varying length.
  for (int b = 0; b < 256; ++b) {
    for (std::size_t len = 1; len <= 20; ++len) {
      std::string input = "+8613800138000";
      input.insert(input.size() / 2, std::string(len, static_cast<char>(b)));
      const std::string masked = mask_phone(input);
      EXPECT_EQ(masked.size(), input.size()) << "byte " << b;
      EXPECT_EQ(mask_phone(masked), masked) << "byte " << b;
      EXPECT_LE(shown_digits(masked), 2u + 7u) << "byte " << b;
    }
  }
}

}  // namespace
}  // namespace smsgw
