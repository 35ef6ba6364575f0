#pragma once
// The audit log (issue 13): who changed what, when, from where, with the object's state before
// and after. Append-only (the table refuses UPDATE and DELETE), written in the same
// transaction as the change it records, so a change and its entry commit or fail together.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/types.hpp"

namespace smsgw::store {

// An entry as the caller gives it. The store adds before/after when `snapshot` is set: the
// object's row (object_kind, object_id) as JSON, read inside the change's transaction.
struct AuditEntry {
  UnixMs at = 0;           // 0 = the store's clock
  std::string actor;       // a person's name, a token's name, or "smsgwd"
  std::string actor_kind;  // "person", "token" or "system"
  std::string address;     // the client's address ("" for the daemon itself)
  std::string action;      // e.g. "recipient.update", "console.sign_in"
  std::string object_kind; // "recipient", "group", "template", "schedule", "user", "token",
                           // "batch", "session" or ""
  std::string object_id;   // the object's id or name ("" when a create's id is not known yet)
  std::string detail;      // a JSON object with facts that are not a state (counts), or ""
  bool snapshot = false;
};

struct AuditRow {
  std::int64_t id = 0;
  UnixMs at = 0;
  std::string actor, actor_kind, address, action, object_kind, object_id;
  std::optional<std::string> before, after, detail;  // JSON text
};

struct AuditFilter {
  std::string actor = {};        // exact, "" = any
  std::string action = {};       // exact or a prefix ending in '.' ("recipient."), "" = any
  std::string object_kind = {};  // "" = any
  std::string object_id = {};    // with object_kind
  UnixMs since = 0;         // at >= since (0 = from the start)
  UnixMs until = 0;         // at < until (0 = up to now)
  std::int64_t before_id = 0;  // paging: entries with a smaller id (0 = from the newest)
  int limit = 50;
};

struct AuditPage {
  std::vector<AuditRow> rows;    // newest first
  std::int64_t next_before = 0;  // pass as before_id for the next page; 0 = no more
};

}  // namespace smsgw::store
