#include "common/crypto.hpp"

#include <gtest/gtest.h>

namespace smsgw {
namespace {

TEST(Crypto, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, ExampleConfigTokenHash) {
  // The hash documented in config/smsgw.example.toml.
  EXPECT_EQ(sha256_hex("oa-example-token-do-not-use"),
            "1ce52ce2ec5812610586a712ae492d7e9dc7afc4c8549d7976171461fbb9e39f");
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(Crypto, RandomHex) {
  const auto a = random_hex(16);
  const auto b = random_hex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
  EXPECT_EQ(random_hex(0), "");
}

}  // namespace
}  // namespace smsgw

namespace smsgw {
namespace {

TEST(Crypto, Md5KnownVectors) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

// RFC 4648 §10.
TEST(Crypto, Base64RoundTripsTheRfcVectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), std::optional<std::string>(plain));
  }
  EXPECT_EQ(base64_decode(base64_encode("节日廉洁提醒\n\x01\xff")), "节日廉洁提醒\n\x01\xff");
  for (const char* bad : {"Zg=", "Zg==Zg==", "Z===", "Zm9v\n", "Zm 9", "Zm=v"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace smsgw
