// The console's cookie, role and origin helpers.

#include "api/console_auth.hpp"

#include <gtest/gtest.h>

namespace smsgw::api {
namespace {

using config::Scope;

TEST(ConsoleAuth, FindsTheSessionCookieAmongOthers) {
  EXPECT_EQ(cookie_value("smsgw_session=abc", kSessionCookie), "abc");
  EXPECT_EQ(cookie_value("theme=dark; smsgw_session=abc; lang=zh", kSessionCookie), "abc");
  EXPECT_EQ(cookie_value("theme=dark;smsgw_session=\"abc\"", kSessionCookie), "abc");
  EXPECT_EQ(cookie_value("xsmsgw_session=abc; smsgw_sessionx=d", kSessionCookie), std::nullopt);
  EXPECT_EQ(cookie_value("", kSessionCookie), std::nullopt);
  EXPECT_EQ(cookie_value(";;;=;smsgw_session", kSessionCookie), std::nullopt);
  EXPECT_EQ(cookie_value("smsgw_session=", kSessionCookie), "");
}

TEST(ConsoleAuth, SessionCookieIsHttpOnlyStrictAndSecureOnlyWhenAsked) {
  const std::string c = session_cookie("v", 3600, false);
  EXPECT_EQ(c, "smsgw_session=v; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict");
  EXPECT_TRUE(session_cookie("v", 1, true).ends_with("; Secure"));
  EXPECT_NE(cleared_session_cookie(false).find("Max-Age=0"), std::string::npos);
}

TEST(ConsoleAuth, RolesMapToScopes) {
  EXPECT_EQ(scopes_of_role("admin"), (std::set<Scope>{Scope::admin}));
  EXPECT_EQ(scopes_of_role("sender"), (std::set<Scope>{Scope::send, Scope::read}));
  EXPECT_EQ(scopes_of_role("viewer"), (std::set<Scope>{Scope::read}));
  EXPECT_EQ(scopes_of_role("root"), std::nullopt);
  EXPECT_TRUE(valid_role("viewer"));
  EXPECT_FALSE(valid_role("Admin"));
}

TEST(ConsoleAuth, SameOriginComparesOriginWithHost) {
  EXPECT_TRUE(same_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
  EXPECT_TRUE(same_origin("https://smsgw.office.local", "smsgw.office.local:443"));
  EXPECT_TRUE(same_origin("http://SMSGW.office.local:80", "smsgw.office.local"));
  EXPECT_TRUE(same_origin("", "127.0.0.1:8080"));      // no Origin: the CSRF token decides
  EXPECT_TRUE(same_origin("null", "127.0.0.1:8080"));
  EXPECT_FALSE(same_origin("http://127.0.0.1:9999", "127.0.0.1:8080"));  // same site, other origin
  EXPECT_FALSE(same_origin("http://evil.example", "127.0.0.1:8080"));
  EXPECT_FALSE(same_origin("http://127.0.0.1:8080.evil.example", "127.0.0.1:8080"));
  EXPECT_FALSE(same_origin("127.0.0.1:8080", "127.0.0.1:8080"));  // not an origin
  EXPECT_FALSE(same_origin("http://127.0.0.1:8080", ""));
}

TEST(ConsoleAuth, ReadsFormFields) {
  EXPECT_EQ(form_value("username=li.na&password=a+b%2Bc%26", "password"), "a b+c&");
  EXPECT_EQ(form_value("username=%E6%9D%8E", "username"), "李");
  EXPECT_EQ(form_value("username=li", "password"), std::nullopt);
  EXPECT_EQ(form_value("password", "password"), "");
  EXPECT_EQ(form_value("password=%zz", "password"), std::nullopt);
}

}  // namespace
}  // namespace smsgw::api
