#pragma once
// Two-person approvals (issue 13): a person's large send or switching a schedule on waits here
// until a second administrator approves it. The request is kept as it was made (the send's
// body, the schedule's id) and carried out only when approved, inside the same transaction as
// the decision, so nothing reaches the queue before approval and nothing is carried out twice.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/types.hpp"

namespace smsgw::store {

struct ApprovalRow {
  std::int64_t id = 0;
  std::string kind;            // "send" or "schedule.enable"
  std::string status;          // "pending", "approved", "rejected"; "expired" is derived on read
  std::string requested_by;    // the person's name
  std::string requested_from;  // their client address
  UnixMs requested_at = 0;
  UnixMs expires_at = 0;
  std::string summary;    // JSON object: what the approver is shown (counts, sample texts)
  std::string request;    // kind send: the POST /v1/messages body as sent; else ""
  std::string object_id;  // schedule.enable: the schedule's id; an approved send: its batch id
  std::string decided_by; // "" while pending; a person's name or "token:<name>"
  UnixMs decided_at = 0;
  std::string note;       // a rejection's reason
};

// How a pending request is closed. Applied only if it is still pending and not expired at `at`.
struct ApprovalDecision {
  std::int64_t id = 0;
  std::string status;      // "approved" or "rejected"
  std::string decided_by;
  UnixMs at = 0;
  std::string note;
  std::string object_id;   // "" keeps the row's
};

struct ApprovalFilter {
  std::string status = {};  // "" = any; "pending" and "expired" compare expires_at with `now`
  UnixMs now = 0;
  std::int64_t before_id = 0;
  int limit = 50;
};

struct ApprovalPage {
  std::vector<ApprovalRow> rows;  // newest first
  std::int64_t next_before = 0;
};

// The status a reader sees: a pending request past its expiry is "expired".
std::string effective_status(const ApprovalRow& row, UnixMs now);

}  // namespace smsgw::store
