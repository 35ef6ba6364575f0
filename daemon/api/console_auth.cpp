#include "api/console_auth.hpp"

#include "api/http_util.hpp"

namespace smsgw::api {

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
  // RFC 6265 §5.4: "name=value" pairs separated by "; ". Be lenient about spaces.
  while (!header.empty()) {
    const std::size_t end = header.find(';');
    std::string_view pair = trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

std::string session_cookie(std::string_view value, long long max_age_seconds, bool secure) {
  // Path=/: the console's pages call /v1/ with it. No Domain: this host only.
  std::string c = std::string(kSessionCookie) + "=" + std::string(value) +
                  "; Path=/; Max-Age=" + std::to_string(max_age_seconds) +
                  "; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  return c;
}

std::string cleared_session_cookie(bool secure) { return session_cookie("", 0, secure); }

bool valid_role(std::string_view r) { return r == "admin" || r == "sender" || r == "viewer"; }

std::optional<std::set<config::Scope>> scopes_of_role(std::string_view role) {
  using config::Scope;
  if (role == "admin") return std::set<Scope>{Scope::admin};
  if (role == "sender") return std::set<Scope>{Scope::send, Scope::read};
  if (role == "viewer") return std::set<Scope>{Scope::read};
  return std::nullopt;
}

bool same_origin(std::string_view origin, std::string_view host) {
  origin = trim(origin);
  if (origin.empty() || origin == "null") return true;
  const std::size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view authority = origin.substr(scheme + 3);
  if (authority.ends_with('/')) authority.remove_suffix(1);
  const std::string_view s = origin.substr(0, scheme);
  // Host may leave out the default port that Origin spells out, and the other way round.
  auto strip_default = [&](std::string_view a) {
    if (iequals(s, "http") && a.ends_with(":80")) a.remove_suffix(3);
    if (iequals(s, "https") && a.ends_with(":443")) a.remove_suffix(4);
    return a;
  };
  return !host.empty() && iequals(strip_default(authority), strip_default(trim(host)));
}

std::optional<std::string> form_value(std::string_view body, std::string_view key) {
  while (!body.empty()) {
    const std::size_t end = body.find('&');
    std::string_view pair = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) != key) continue;
    std::string raw(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    for (char& c : raw) {
      if (c == '+') c = ' ';
    }
    return percent_decode(raw);
  }
  return std::nullopt;
}

}  // namespace smsgw::api
