#pragma once
// The office's directory in the store: recipients, groups, templates and API tokens created at
// run time. Same threading contract as store.hpp: async_* run on the writer thread (one
// SAVEPOINT each, group-committed, completion on the writer thread); the rest are reads on the
// read connection. Implemented in directory.cpp as further members of Store (declared in
// store.hpp under "directory"), so they share its connections and writer.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/types.hpp"

namespace smsgw::store {

struct Recipient {
  std::int64_t id = 0;
  std::string name;
  std::string phone;  // E.164, unique
  std::string unit;   // 单位, may be empty
  std::string title;  // 职务, may be empty
  std::vector<std::string> groups;  // sorted
  bool active = true;
  UnixMs created_at = 0;
  UnixMs updated_at = 0;
};

// Create or update by phone (import, POST /v1/recipients). `groups` replaces the recipient's
// memberships when set; groups that do not exist yet are created.
struct RecipientUpsert {
  std::string name;
  std::string phone;
  std::string unit;
  std::string title;
  std::optional<std::vector<std::string>> groups;
  std::optional<bool> active;  // unset: new recipients are active, existing keep theirs
};

// Partial update of one recipient by id (PATCH /v1/recipients/{id}); unset fields keep.
struct RecipientPatch {
  std::optional<std::string> name, phone, unit, title;
  std::optional<std::vector<std::string>> groups;
  std::optional<bool> active;
};

struct RecipientFilter {
  std::optional<std::string> group;
  std::optional<std::string> q;  // substring of name or unit (case-insensitive for ASCII)
  std::optional<bool> active;
  int limit = 100;                      // 1..1000
  std::optional<std::int64_t> after_id;  // cursor: ids strictly above (ascending by id)
};

struct RecipientPage {
  std::vector<Recipient> recipients;
  std::optional<std::int64_t> next_cursor;
};

struct UpsertCounts {
  std::int64_t created = 0;
  std::int64_t updated = 0;
};

struct Group {
  std::string name;  // [a-z0-9][a-z0-9_-]*, e.g. "cadres", "deputies", "cppcc", "commission"
  std::string description;
  std::int64_t members = 0;         // all members
  std::int64_t active_members = 0;  // of which active
  UnixMs created_at = 0;
};

struct TemplateRow {
  std::string name;
  std::string body;
  std::string description;
  std::vector<std::string> params;  // declared parameters, in order
  UnixMs created_at = 0;
  UnixMs updated_at = 0;
};

struct TokenRow {
  std::string name;
  std::string sha256;  // hex; the token itself is never stored
  std::vector<std::string> scopes;
  UnixMs created_at = 0;
  std::optional<UnixMs> revoked_at;
};

// One resolved fan-out target: a number from `to` (maybe a known recipient) or a group member.
struct Target {
  std::string phone;  // E.164
  std::optional<std::int64_t> recipient_id;
  std::string name, unit, title;  // empty for unknown numbers
  bool active = true;
};

// A recipient of a send that gets no message, and why ("inactive", "daily_cap", ...).
struct Skip {
  std::string phone;
  std::string reason;
};

enum class WriteResult { ok, not_found, conflict };

}  // namespace smsgw::store
