#include "api/auth.hpp"

#include <gtest/gtest.h>

#include "common/crypto.hpp"

namespace smsgw::api {
namespace {

using config::Scope;

std::vector<config::TokenConfig> tokens() {
  return {
      {"oa", sha256_hex("send-secret"), {Scope::send}, {}, 0},
      {"viewer", sha256_hex("read-secret"), {Scope::read}, {}, 0},
      // Upper-case digest in config must still match.
      {"ops", [] {
         std::string h = sha256_hex("admin-secret");
         for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
         return h;
       }(),
       {Scope::admin}, {}, 0},
      {"carrier", sha256_hex("cb-secret"), {}, {"primary"}, 0},
  };
}

TEST(AuthTest, ParseBearer) {
  EXPECT_EQ(parse_bearer("Bearer abc"), std::optional<std::string_view>("abc"));
  EXPECT_EQ(parse_bearer("bearer  abc-._~+/=="), std::optional<std::string_view>("abc-._~+/=="));
  EXPECT_EQ(parse_bearer("BEARER abc "), std::optional<std::string_view>("abc"));
  EXPECT_FALSE(parse_bearer(""));
  EXPECT_FALSE(parse_bearer("Bearer"));
  EXPECT_FALSE(parse_bearer("Bearer "));
  EXPECT_FALSE(parse_bearer("Basic dXNlcjpwYXNz"));
  EXPECT_FALSE(parse_bearer("Bearerabc"));
  EXPECT_FALSE(parse_bearer("Bearer a b"));
  EXPECT_FALSE(parse_bearer("Bearer =abc"));
  EXPECT_FALSE(parse_bearer("Bearer ab=c"));
}

TEST(AuthTest, MissingAndMalformedHeadersAreMissing) {
  Authenticator auth(tokens());
  EXPECT_EQ(auth.authenticate("").status, AuthStatus::missing);
  EXPECT_EQ(auth.authenticate("Token send-secret").status, AuthStatus::missing);
  EXPECT_FALSE(auth.authenticate("").principal);
}

TEST(AuthTest, UnknownTokenIsInvalid) {
  Authenticator auth(tokens());
  auto r = auth.authenticate("Bearer not-a-token");
  EXPECT_EQ(r.status, AuthStatus::invalid);
  EXPECT_FALSE(r.principal);
  // The digest itself is not a token.
  EXPECT_EQ(auth.authenticate("Bearer " + sha256_hex("send-secret")).status, AuthStatus::invalid);
}

TEST(AuthTest, EveryTokenPositionMatchesWithItsScopes) {
  Authenticator auth(tokens());
  auto oa = auth.authenticate("Bearer send-secret");
  ASSERT_EQ(oa.status, AuthStatus::ok);
  EXPECT_EQ(oa.principal->name, "oa");
  EXPECT_TRUE(oa.principal->allows(Scope::send));
  EXPECT_FALSE(oa.principal->allows(Scope::read));
  EXPECT_FALSE(oa.principal->allows_callback("primary"));

  auto viewer = auth.authenticate("Bearer read-secret");
  ASSERT_EQ(viewer.status, AuthStatus::ok);
  EXPECT_EQ(viewer.principal->name, "viewer");
  EXPECT_TRUE(viewer.principal->allows(Scope::read));
  EXPECT_FALSE(viewer.principal->allows(Scope::send));

  auto ops = auth.authenticate("Bearer admin-secret");
  ASSERT_EQ(ops.status, AuthStatus::ok);
  EXPECT_EQ(ops.principal->name, "ops");
  for (Scope s : {Scope::send, Scope::read, Scope::admin}) {
    EXPECT_TRUE(ops.principal->allows(s));
  }
  EXPECT_TRUE(ops.principal->allows_callback("primary"));  // admin allows every callback

  auto cb = auth.authenticate("Bearer cb-secret");
  ASSERT_EQ(cb.status, AuthStatus::ok);
  EXPECT_EQ(cb.principal->name, "carrier");
  EXPECT_TRUE(cb.principal->allows_callback("primary"));
  // Bound to its carrier: another carrier's reports are refused.
  EXPECT_FALSE(cb.principal->allows_callback("backup"));
  EXPECT_FALSE(cb.principal->allows_callback(""));
  EXPECT_FALSE(cb.principal->allows(Scope::read));
}

TEST(AuthTest, ReplaceTakesEffectImmediately) {
  Authenticator auth(tokens());
  ASSERT_EQ(auth.authenticate("Bearer send-secret").status, AuthStatus::ok);
  auth.replace({{"new", sha256_hex("rotated"), {Scope::send}, {}, 0}});
  EXPECT_EQ(auth.authenticate("Bearer send-secret").status, AuthStatus::invalid);
  auto r = auth.authenticate("Bearer rotated");
  ASSERT_EQ(r.status, AuthStatus::ok);
  EXPECT_EQ(r.principal->name, "new");
  auth.replace({});
  EXPECT_EQ(auth.authenticate("Bearer rotated").status, AuthStatus::invalid);
}

TEST(AuthTest, ConstantTimeEqualSemantics) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace smsgw::api
