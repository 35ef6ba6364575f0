#pragma once
// One send, from a validated request to a batch ready to commit: template and group checks,
// fan-out, quiet hours, ids and the 202 body. POST /v1/messages and the scheduler both build
// their batches here, so a schedule's firing is exactly an API send (same checks, same skips);
// neither depends on the other.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/field_error.hpp"
#include "sending/fanout.hpp"
#include "sending/mappings.hpp"
#include "common/timezone.hpp"
#include "config/config.hpp"
#include "store/store.hpp"

namespace smsgw::sending {

// A validated POST /v1/messages body.
struct SendRequest {
  std::vector<std::string> to;  // E.164, duplicates removed, in request order
  std::vector<std::string> groups;
  std::string text;                          // when no template
  std::optional<std::string> template_name;  // when no text
  Params params;
  Priority priority = Priority::normal;
  std::optional<UnixMs> send_at;
  std::optional<UnixMs> expires_at;
  // Sent to numbers on the suppression list too (an official notice a person cannot opt out
  // of; docs/two-way.md). Otherwise they are skipped with reason "opted_out".
  bool mandatory = false;
  // The send asks for a reply (meeting confirmations; store::ConfirmSpec).
  std::optional<store::ConfirmSpec> confirm;
  // A random draw of `size` recipients among the eligible ones (active, not opted out unless
  // mandatory) of `to` and `groups`, reproducible from `seed` ("" = a random one, recorded).
  struct Sample {
    std::int64_t size = 0;
    std::string seed;
  };
  std::optional<Sample> sample;
};

// send_at / expires_at must lie between 1970 and now + horizon: a time centuries ahead is a
// typo (and used to overflow timer arithmetic), a time before 1970 is no real schedule. The
// reason as a field message, or nullopt.
std::optional<std::string> check_time_bounds(UnixMs t, UnixMs now, std::chrono::milliseconds horizon);

// Copies, not references: planning may run on a worker thread while SIGHUP swaps the
// router's settings on the io thread.
struct SendContext {
  store::Store& store;
  config::LimitsConfig limits;
  config::SmsConfig sms;
  TimeZone tz;
  UnixMs now = 0;
  // The carriers' template mappings of the config in force (null: none).
  std::shared_ptr<const TemplateMappings> mappings = nullptr;
};

struct SendPlan {
  // Non-empty: the send is invalid (unknown template or group, no members, too many
  // recipients, missing params); nothing may be written. `detail` sums them up.
  std::vector<FieldError> errors;
  std::string detail;

  store::NewBatch batch;      // ids allocated, messages ready or streamed, daily cap set (the store applies it)
  store::ResponseRenderer render;  // the 202 body from the batch as committed
  std::int64_t count = 0;     // messages in the batch before the daily cap
  UnixMs due_at = 0;          // earliest moment a message of it may be sent
};

// The 202 body of a committed batch: its id, counts, skips by reason, the real send_at when
// quiet hours moved it, and the message list when it is short.
std::string render_send_response(const store::NewBatch& committed, std::optional<UnixMs> moved_send_at);

// Reads the template and groups from the store (reads only; nothing written). The daily cap is
// not read here: the store counts it inside the commit (store::DailyCap).
// Non-urgent messages due inside the quiet hours get send_at = the end of the window.
// Takes the request's text and params (they move into the batch's renderer).
SendPlan plan_send(const SendContext& ctx, SendRequest& request, std::string source);

}  // namespace smsgw::sending
