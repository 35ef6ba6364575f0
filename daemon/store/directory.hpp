#pragma once
// The office's directory in the store: recipients, groups, templates and API tokens created at
// run time. Same threading contract as store.hpp: async_* run on the writer thread (one
// SAVEPOINT each, group-committed, completion on the writer thread); the rest are reads on the
// read connection. Implemented in directory.cpp as further members of Store (declared in
// store.hpp under "directory"), so they share its connections and writer.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
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

// A person who logs in to the console (issue 13). The role is one of "admin", "sender",
// "viewer" (checked by the API, not here).
struct UserRow {
  std::string name;
  std::string role;
  std::string password_hash;  // Argon2id PHC string; the password itself is never stored
  UnixMs created_at = 0;
  UnixMs updated_at = 0;
  UnixMs password_changed_at = 0;
  std::optional<UnixMs> disabled_at;
};

// A change to a person: each field that is set is written.
struct UserUpdate {
  std::optional<std::string> role;
  std::optional<bool> disabled;
  std::optional<std::string> password_hash;
};

// One resolved fan-out target: a number from `to` (maybe a known recipient) or a group member.
// A view into its TargetList: valid while the list lives (its blocks never move).
struct Target {
  std::string_view phone;  // E.164
  std::optional<std::int64_t> recipient_id;
  std::string_view name, unit, title;  // empty for unknown numbers
  bool active = true;
};

// The targets of a send, packed: each target is one record (a flags byte, the recipient id
// and the four field lengths as varints, then the fields) in 64 KiB blocks that never move, so
// the list grows without the copy (and the doubled capacity) of one big buffer. A
// 100,000-member group costs about 70 bytes a recipient rather than four std::strings and an
// optional (about 190). A fan-out keeps this list until its batch is committed.
class TargetList {
 public:
  void reserve(std::size_t targets) { at_.reserve(targets); }
  void add(std::string_view phone, std::optional<std::int64_t> recipient_id, std::string_view name,
           std::string_view unit, std::string_view title, bool active);
  std::size_t size() const noexcept { return at_.size(); }
  bool empty() const noexcept { return at_.empty(); }
  Target operator[](std::size_t i) const noexcept;
  // Heap bytes held (for tests bounding the memory of a fan-out).
  std::size_t bytes() const noexcept;

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size = 0, capacity = 0;
  };
  struct At {
    std::uint32_t block = 0, offset = 0;
  };
  std::vector<Block> blocks_;
  std::vector<At> at_;
};

// A recipient of a send that gets no message, and why ("inactive", "daily_cap", ...).
struct Skip {
  std::string phone;
  std::string reason;
};

enum class WriteResult { ok, not_found, conflict };

}  // namespace smsgw::store
