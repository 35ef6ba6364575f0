#pragma once
// The console's sign-in pieces that are plain functions (issue 13; docs/console.md): the
// session cookie, roles as scopes, and the same-origin check on state changes.

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace smsgw::api {

inline constexpr std::string_view kSessionCookie = "smsgw_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// The value of cookie `name` in a Cookie header ("a=1; smsgw_session=…"), nullopt if absent.
std::optional<std::string_view> cookie_value(std::string_view cookie_header, std::string_view name);

// Set-Cookie for a new session: HttpOnly, SameSite=Strict, Path=/, Max-Age (+ Secure).
std::string session_cookie(std::string_view value, long long max_age_seconds, bool secure);
// Set-Cookie that makes the browser forget the session cookie.
std::string cleared_session_cookie(bool secure);

// What each role may do: admin everything; sender send and read; viewer read.
std::optional<std::set<config::Scope>> scopes_of_role(std::string_view role);
bool valid_role(std::string_view role);

// False when `origin` (an Origin header) names another host than `host` (the Host header):
// a page elsewhere is posting here. An absent Origin ("" or "null" from privacy modes) is not
// a proof either way; the CSRF token decides then.
bool same_origin(std::string_view origin, std::string_view host);

// The body of an application/x-www-form-urlencoded form: the value of `key` ('+' is a space),
// nullopt if absent or badly encoded.
std::optional<std::string> form_value(std::string_view body, std::string_view key);

}  // namespace smsgw::api
