#pragma once
// POST /v1/messages: the request body into a sending::SendRequest. Planning and committing the
// batch is sending/plan.hpp's, shared with the scheduler.

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/problem.hpp"
#include "config/config.hpp"
#include "sending/fanout.hpp"
#include "sending/plan.hpp"

namespace smsgw::api {

using sending::check_time_bounds;
using sending::date_values;
using sending::DateValues;
using sending::lookup_value;
using sending::ParamIndex;
using sending::Params;
using sending::parse_params;
using sending::plan_send;
using sending::RecipientFields;
using sending::render_send_response;
using sending::SendContext;
using sending::SendPlan;
using sending::SendRequest;

// The "confirm" object of a send: {"yes": [...], "no": [...], "until": RFC 3339}, words in
// normal form; nullopt with field errors when it is not valid.
std::optional<store::ConfirmSpec> parse_confirm(const nlohmann::json& confirm, UnixMs now,
                                                const config::LimitsConfig& limits,
                                                std::vector<FieldError>& errors);
using sending::uses_recipient_fields;

// Collects every field error rather than stopping at the first, so a client fixes its request
// in one round trip. Returns the detail for the problem (empty if the request is valid).
std::string validate_send(const nlohmann::json& doc, const config::LimitsConfig& limits,
                          UnixMs now, SendRequest& out, std::vector<FieldError>& errors);

}  // namespace smsgw::api
