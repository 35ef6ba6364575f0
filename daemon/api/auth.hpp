#pragma once
// Bearer-token authentication and scopes. Tokens are configured as SHA-256 hex digests, so the
// config file never holds a usable secret; a presented token is hashed and compared in constant
// time against every configured digest. Tokens are never logged.
//
// Not thread-safe: used and replaced on the io_context thread.

#include <optional>
#include <string_view>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace smsgw::api {

struct Principal {
  std::string name;  // the token's configured name, e.g. "oa-system", or the person's name
  std::set<config::Scope> scopes;
  std::set<std::string> callback_carriers;  // from callback:<carrier> scopes
  // A person signed in to the console (a session cookie), not a bearer token.
  bool person = false;
  std::string role = {};   // the person's role (admin, sender, viewer)
  std::string session_id = {};  // SHA-256 of the session cookie (sign-out)
  std::string csrf_token = {};
  bool allows(config::Scope required) const noexcept;  // admin allows everything
  // A console viewer reads the phone numbers of messages masked ("+86138****8000"): the role
  // is for staff who follow how sends went, not for collecting numbers. Tokens and the other
  // roles read them in full.
  bool masks_numbers() const noexcept { return person && role == "viewer"; }
  // Reports and inbound messages of this carrier: callback:<carrier>, or admin.
  bool allows_callback(std::string_view carrier) const;
};

// What batches and schedules record as their creator: "api:<token>" or "console:<person>".
inline std::string source_of(const Principal& who) {
  return (who.person ? "console:" : "api:") + who.name;
}

enum class AuthStatus {
  ok,
  missing,    // no Authorization header, or not "Bearer <token68>"
  invalid,    // a well-formed bearer token that matches no configured token
};

struct AuthResult {
  AuthStatus status = AuthStatus::missing;
  std::optional<Principal> principal;  // set when ok
};

// The token from an Authorization header value, or nullopt if it is not "Bearer <token68>"
// (scheme case-insensitive, RFC 6750 section 2.1).
std::optional<std::string_view> parse_bearer(std::string_view authorization);

class Authenticator {
 public:
  Authenticator() = default;
  explicit Authenticator(const std::vector<config::TokenConfig>& tokens);
  // SIGHUP: the new set of config tokens applies to every later authenticate() call. Tokens
  // created at run time (set_store_tokens / add_store_token) are kept.
  void replace(const std::vector<config::TokenConfig>& tokens);
  // Tokens from the store (api_tokens rows not revoked), created through the API.
  void set_store_tokens(const std::vector<config::TokenConfig>& tokens);
  void add_store_token(config::TokenConfig token);
  void remove_store_token(const std::string& name);
  bool is_config_token(const std::string& name) const;
  const std::vector<config::TokenConfig>& config_tokens() const noexcept { return tokens_; }
  AuthResult authenticate(std::string_view authorization_header) const;
  std::size_t size() const noexcept { return tokens_.size() + store_tokens_.size(); }

 private:
  std::vector<config::TokenConfig> tokens_;
  std::vector<config::TokenConfig> store_tokens_;
};

}  // namespace smsgw::api
