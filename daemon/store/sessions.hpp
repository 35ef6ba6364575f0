#pragma once
// Console sessions (issue 13): the rows behind the session cookie. Only the SHA-256 of a
// session's id is stored, so a copy of the database does not sign anyone in.

#include <optional>
#include <string>

#include "common/types.hpp"

namespace smsgw::store {

struct SessionRow {
  std::string id_sha256;  // lower-case hex SHA-256 of the cookie's value
  std::string user;       // users.name
  std::string csrf_token; // sent back in X-CSRF-Token on every state change
  UnixMs created_at = 0;
  UnixMs last_seen_at = 0;
  std::string address;     // client address at sign-in
  std::string user_agent;  // at sign-in, at most 256 bytes
};

// A session with what the API needs of its person, read in one statement.
struct SessionLookup {
  SessionRow session;
  std::string role;
  bool disabled = false;
};

}  // namespace smsgw::store
