#include "common/password.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smsgw {
namespace {

// A cheap cost keeps the suite fast; the default is exercised once below.
const PasswordCost kCheap{256, 1, 1};

TEST(Password, HashIsArgon2idPhcWithItsParametersAndVerifies) {
  const std::string h = hash_password("请于节前廉洁自律2027", kCheap);
  EXPECT_TRUE(h.starts_with("$argon2id$v=19$m=256,t=1,p=1$")) << h;
  EXPECT_TRUE(verify_password(h, "请于节前廉洁自律2027"));
  EXPECT_FALSE(verify_password(h, "请于节前廉洁自律2028"));
  EXPECT_FALSE(verify_password(h, ""));
  EXPECT_EQ(h.find("请于"), std::string::npos);  // the password is not in the string
}

TEST(Password, EverySaltIsNew) {
  const std::string a = hash_password("correct horse battery", kCheap);
  const std::string b = hash_password("correct horse battery", kCheap);
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password(a, "correct horse battery"));
  EXPECT_TRUE(verify_password(b, "correct horse battery"));
}

TEST(Password, DefaultCostIsOwaspsLeastMemoryChoice) {
  const std::string h = hash_password("a long enough secret");
  EXPECT_TRUE(h.starts_with("$argon2id$v=19$m=7168,t=5,p=1$")) << h;
  EXPECT_TRUE(verify_password(h, "a long enough secret"));
  EXPECT_FALSE(needs_rehash(h));
  EXPECT_TRUE(needs_rehash(hash_password("a long enough secret", kCheap)));
}

TEST(Password, AnythingButArgon2idFailsClosed) {
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(verify_password("plain text", "plain text"));
  // SHA-256 of "password" and an Argon2i string: other algorithms are refused, not tried.
  EXPECT_FALSE(verify_password("5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", "password"));
  const std::string h = hash_password("some password here", kCheap);
  std::string argon2i = h;
  argon2i.replace(0, 9, "$argon2i");
  EXPECT_FALSE(verify_password(argon2i, "some password here"));
  EXPECT_FALSE(verify_password(h.substr(0, h.size() - 4), "some password here"));  // truncated
  std::string nul = h;
  nul.insert(20, 1, '\0');
  EXPECT_FALSE(verify_password(nul, "some password here"));
  // A tampered row asking for 4 GiB of memory is refused before anything is allocated.
  std::string huge = h;
  huge.replace(huge.find("m=256"), 5, "m=4194304");
  EXPECT_FALSE(verify_password(huge, "some password here"));
  EXPECT_TRUE(needs_rehash("plain text"));
}

TEST(Password, ProblemsOfANewPassword) {
  EXPECT_EQ(password_problem("short"), "must be at least 10 characters");
  EXPECT_EQ(password_problem("廉洁自律节日提醒十字"), "");  // 10 characters, 30 bytes
  EXPECT_EQ(password_problem("廉洁自律节日提醒九"), "must be at least 10 characters");
  EXPECT_EQ(password_problem("aaaaaaaaaaaa"), "must not be one character repeated");
  EXPECT_EQ(password_problem("tab\there is bad"), "must not contain control characters");
  EXPECT_EQ(password_problem(std::string("bad utf8 \xff\xfe here")), "must be valid UTF-8");
  EXPECT_EQ(password_problem(std::string("overlong \xc0\xaf slash")), "must be valid UTF-8");
  EXPECT_EQ(password_problem(std::string(1025, 'a') + "b"), "must be at most 1024 bytes");
  EXPECT_EQ(password_problem("a perfectly fine passphrase"), "");
}

}  // namespace
}  // namespace smsgw
