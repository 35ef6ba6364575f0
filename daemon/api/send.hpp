#pragma once
// One send, from a validated request to a batch ready to commit: template and group checks,
// fan-out, quiet hours, ids and the 202 body. POST /v1/messages and the scheduler both build
// their batches here, so a schedule's firing is exactly an API send (same checks, same skips).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/fanout.hpp"
#include "api/problem.hpp"
#include "common/timezone.hpp"
#include "config/config.hpp"
#include "store/store.hpp"

namespace smsgw::api {

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
};

// Collects every field error rather than stopping at the first, so a client fixes its request
// in one round trip. Returns the detail for the problem (empty if the request is valid).
std::string validate_send(const nlohmann::json& doc, const config::LimitsConfig& limits,
                          UnixMs now, SendRequest& out, std::vector<FieldError>& errors);

struct SendContext {
  store::Store& store;
  const config::LimitsConfig& limits;
  const config::SmsConfig& sms;
  const TimeZone& tz;
  UnixMs now = 0;
};

struct SendPlan {
  // Non-empty: the send is invalid (unknown template or group, no members, too many
  // recipients, missing params); nothing may be written. `detail` sums them up.
  std::vector<FieldError> errors;
  std::string detail;

  store::NewBatch batch;      // ids allocated, messages ready
  std::string response_body;  // the 202 body, stored with an idempotency key
  std::int64_t count = 0;     // messages in the batch
  UnixMs due_at = 0;          // earliest moment a message of it may be sent
};

// Reads the template, groups and daily counts from the store (reads only; nothing written).
// Non-urgent messages due inside the quiet hours get send_at = the end of the window.
SendPlan plan_send(const SendContext& ctx, SendRequest& request, std::string source);

}  // namespace smsgw::api
