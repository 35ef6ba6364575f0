#include "common/phone.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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
  EXPECT_EQ(e164("+44 7400 123456"), "+447400123456");
  EXPECT_EQ(e164("0044 7400 123456"), "+447400123456");
  // FIXED_LINE_OR_MOBILE: North American numbering cannot tell the two apart.
  EXPECT_EQ(e164("+1 (415) 555-2671"), "+14155552671");
  EXPECT_EQ(e164("+85291234567"), "+85291234567");
  EXPECT_EQ(e164("+491701234567"), "+491701234567");
  // Shorter than the 8 digits the hand-written rule required, and a real mobile: Tokelau's.
  EXPECT_EQ(e164("+690 7290"), "+6907290");
}

TEST(Phone, MainlandRangesByLibphonenumber) {
  // Every range an operator issues, virtual operators' and China Broadnet's 192 included.
  for (const char* n : {"13012345678", "13400000000", "13912345678", "14512345678", "14712345678",
                        "15012345678", "16212345678", "16512345678", "16612345678", "16712345678",
                        "17012345678", "17112345678", "17212345678", "17812345678", "18012345678",
                        "19012345678", "19212345678", "19612345678", "19912345678"}) {
    EXPECT_EQ(e164(n), std::string("+86") + n);
  }
  // Ranges no operator issues (the old rule took all of 1[3-9]).
  for (const char* n : {"14012345678", "14112345678", "15412345678", "16012345678",
                        "17912345678", "19412345678"}) {
    EXPECT_NE(error_of(n).find("not a Chinese mobile number"), std::string::npos) << n;
  }
  // Bare numbers are read as Chinese ones; the reason says how to write a foreign one.
  EXPECT_NE(error_of("4915112345678").find("+ and the country code"), std::string::npos);
}

TEST(Phone, NumbersThatCannotReceiveSms) {
  const std::string fixed = "a fixed-line number cannot receive SMS";
  EXPECT_EQ(error_of("+86 10 8888 6666"), fixed);  // Beijing
  EXPECT_EQ(error_of("010-8888-6666"), fixed);     // the same with the trunk prefix 0
  EXPECT_EQ(error_of("0086 21 6888 8888"), fixed);  // Shanghai
  EXPECT_EQ(error_of("+852 2345 6789"), fixed);    // Hong Kong
  EXPECT_EQ(error_of("+49 30 123456"), fixed);     // Berlin
  EXPECT_EQ(error_of("+44 20 7946 0000"), fixed);  // London
  EXPECT_NE(error_of("400-800-1234").find("shared-cost"), std::string::npos);
  EXPECT_NE(error_of("+1 800 555 1234").find("toll-free"), std::string::npos);
  EXPECT_NE(error_of("+44 7700 900123").find("not a valid number in GB (+44)"), std::string::npos)
      << "Ofcom keeps 07700 900xxx for drama: no phone has it";
}

TEST(Phone, CacheOfMainlandBlocksAgreesWithLibphonenumber) {
  // normalize_phone answers 11-digit mainland numbers from a cache per 10,000-number block;
  // normalize_phone_uncached asks libphonenumber for each. Every 5-digit prefix of 13 to 19
  // (libphonenumber's ranges are no longer), with numbers in several blocks of each and two
  // numbers in one block (the second one a cache hit), in the forms the cache serves.
  for (int prefix = 13000; prefix <= 19999; ++prefix) {
    const std::string p = std::to_string(prefix);
    const std::string block = p + std::to_string(prefix % 7) + std::to_string(prefix % 10);
    std::vector<std::string> inputs = {block + "0000", block + "9876", p + "999999"};
    if (prefix % 10 == 0) inputs.insert(inputs.end(), {"+86" + block + "1234", "86" + block + "5678"});
    for (const auto& input : inputs) {
      const PhoneResult cached = normalize_phone(input);
      const PhoneResult reference = normalize_phone_uncached(input);
      ASSERT_EQ(cached.e164, reference.e164) << input;
      ASSERT_EQ(cached.error, reference.error) << input;
    }
  }
}

TEST(Phone, ClassifiesRegionAndOperator) {
  struct Case {
    const char* e164;
    const char* region;
    CnOperator op;
  };
  const Case cases[] = {
      {"+8613800138000", "CN", CnOperator::china_mobile},
      {"+8618612345678", "CN", CnOperator::china_unicom},
      {"+8618912345678", "CN", CnOperator::china_telecom},
      {"+8619212345678", "CN", CnOperator::china_broadnet},
      {"+8617400012345", "CN", CnOperator::unknown},  // satellite: valid, no operator's range
      {"+861088886666", "CN", CnOperator::unknown},   // not a mobile
      {"+85291234567", "HK", CnOperator::unknown},
      {"+85366123456", "MO", CnOperator::unknown},
      {"+886912345678", "TW", CnOperator::unknown},
      {"+14155552671", "US", CnOperator::unknown},
      {"+14165550123", "CA", CnOperator::unknown},  // +1 is shared: the number decides
      {"+447400123456", "GB", CnOperator::unknown},
      {"+491701234567", "DE", CnOperator::unknown},
      {"+80012345678", "", CnOperator::unknown},  // international freephone: no region
      {"+10000000000", "", CnOperator::unknown},  // +1, but no region's range
      {"+999123456", "", CnOperator::unknown},    // no such calling code
      {"13800138000", "", CnOperator::unknown},   // not E.164
      {"+86abc", "", CnOperator::unknown},
      {"", "", CnOperator::unknown},
  };
  for (const auto& c : cases) {
    const PhoneClass k = classify_phone(c.e164);
    EXPECT_EQ(k.region, c.region) << c.e164;
    EXPECT_EQ(k.cn_operator, c.op) << c.e164;
  }
}

TEST(Phone, OperatorOfEveryRange) {
  // The MIIT's allocations as of 2024, by prefix; virtual operators under their host network.
  const std::vector<std::pair<std::vector<std::string>, CnOperator>> table = {
      {{"1340", "1341", "1342", "1343", "1344", "1345", "1346", "1347", "1348", "135", "136",
        "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "172", "178", "182",
        "183", "184", "187", "188", "195", "197", "198", "1703", "1705", "1706", "165"},
       CnOperator::china_mobile},
      {{"130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186", "196", "1704",
        "1707", "1708", "1709", "167", "171"},
       CnOperator::china_unicom},
      {{"133", "1349", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199",
        "1700", "1701", "1702", "162"},
       CnOperator::china_telecom},
      {{"192"}, CnOperator::china_broadnet},
      {{"140", "141", "144", "146", "148", "154", "160", "161", "163", "164", "168", "169", "174",
        "179", "194", "100", "120"},
       CnOperator::unknown},
  };
  for (const auto& [prefixes, op] : table) {
    for (const auto& prefix : prefixes) {
      const std::string number = (prefix + "12345678").substr(0, 11);
      EXPECT_EQ(cn_operator_of(number), op) << number;
      EXPECT_EQ(classify_phone("+86" + number).cn_operator, op) << number;
    }
  }
  // Anything but 11 digits is no operator's.
  EXPECT_EQ(cn_operator_of("1380013800"), CnOperator::unknown);
  EXPECT_EQ(cn_operator_of("138001380001"), CnOperator::unknown);
  EXPECT_EQ(cn_operator_of("1380013800x"), CnOperator::unknown);
  EXPECT_EQ(cn_operator_of("23800138000"), CnOperator::unknown);
}

TEST(Phone, OperatorNames) {
  for (auto op : {CnOperator::china_mobile, CnOperator::china_unicom, CnOperator::china_telecom,
                  CnOperator::china_broadnet}) {
    EXPECT_EQ(parse_cn_operator(to_string(op)), op);
  }
  EXPECT_EQ(to_string(CnOperator::china_unicom), "china_unicom");
  EXPECT_EQ(display_name(CnOperator::china_unicom), "China Unicom");
  EXPECT_FALSE(parse_cn_operator(""));
  EXPECT_FALSE(parse_cn_operator("China_Mobile"));
  EXPECT_FALSE(parse_cn_operator("cmcc"));
}

TEST(Phone, KnownRegions) {
  for (const char* r : {"CN", "HK", "MO", "TW", "US", "GB", "DE"}) EXPECT_TRUE(is_known_region(r)) << r;
  for (const char* r : {"cn", "ZZ", "XX", "001", "", "C", "CHN"}) EXPECT_FALSE(is_known_region(r)) << r;
}

TEST(Phone, NumberRules) {
  const PhoneClass mobile{"CN", CnOperator::china_mobile};
  const PhoneClass unicom{"CN", CnOperator::china_unicom};
  const PhoneClass satellite{"CN", CnOperator::unknown};
  const PhoneClass hk{"HK", CnOperator::unknown};
  const PhoneClass nowhere{"", CnOperator::unknown};

  const NumberRules any;
  EXPECT_TRUE(any.any());
  for (const auto& n : {mobile, unicom, satellite, hk, nowhere}) EXPECT_TRUE(any.takes(n));

  const NumberRules cmpp{{CnOperator::china_mobile}, {}};
  EXPECT_TRUE(cmpp.takes(mobile));
  EXPECT_FALSE(cmpp.takes(unicom));
  EXPECT_FALSE(cmpp.takes(satellite));
  EXPECT_FALSE(cmpp.takes(hk));
  EXPECT_EQ(cmpp.describe(), "china_mobile");

  const NumberRules mainland{{}, {"CN"}};
  EXPECT_TRUE(mainland.takes(mobile));
  EXPECT_TRUE(mainland.takes(satellite));
  EXPECT_FALSE(mainland.takes(hk));
  EXPECT_FALSE(mainland.takes(nowhere));

  const NumberRules both{{CnOperator::china_mobile, CnOperator::china_unicom}, {"CN", "HK"}};
  EXPECT_TRUE(both.takes(unicom));
  EXPECT_FALSE(both.takes(hk));  // operators are mainland ones: both rules must hold
  EXPECT_EQ(both.describe(), "china_mobile, china_unicom in CN, HK");

  EXPECT_EQ(describe_numbers(unicom), "China Unicom numbers");
  EXPECT_EQ(describe_numbers(hk), "numbers of HK");
  EXPECT_EQ(describe_numbers(satellite), "Chinese numbers of no known operator's range");
  EXPECT_EQ(describe_numbers(nowhere), "numbers of no known country");
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

// fuzz_phone found it: libphonenumber formats "+52 01 199..." as "+52199..." (Mexico's old
// mobile token), which it parses to "+5299...". The stored form must normalise to itself.
TEST(Phone, TheE164FormIsAFixedPointEvenWhereLibphonenumberIsNot) {
  for (const char* input : {"00520119912345678", "+5219912345678", "+529912345678"}) {
    const auto r = normalize_phone(input);
    ASSERT_TRUE(r.ok()) << input;
    EXPECT_EQ(r.e164, "+529912345678") << input;
    EXPECT_EQ(normalize_phone(r.e164).e164, r.e164);
    EXPECT_EQ(normalize_phone_uncached(input).e164, r.e164);
  }
}

}  // namespace
}  // namespace smsgw
