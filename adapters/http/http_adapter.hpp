#pragma once
// The generic `http` carrier of SPEC.md, a dialect of the shared HTTP engine
// (adapters/core/http_carrier.hpp): POST <url> with JSON {"id", "to", "text", "segments"}.
//   2xx -> accepted (optional JSON {"message_id"} becomes the carrier message id)
//   429 -> throttled (with Retry-After), 5xx -> server_error (transient); other -> rejected
//   timeout -> carrier_errc::timeout; refused / reset / DNS -> connection_failed (transient)
// Options: url (required, http:// or https://), headers (table of strings), auth_token
// (sent as "Authorization: Bearer <token>", never logged), batch (messages per request, 1-1000,
// default 1: with more, {"messages": [...]} answered by {"results": [...]}), max_requests
// (requests in flight, default 64). docs/carriers.md has the wire format.

#include <memory>
#include <string>
#include <vector>

#include "adapters/core/contract.hpp"
#include "adapters/core/registry.hpp"

namespace smsgw::adapters::http {

std::vector<std::string> validate(const config::CarrierConfig& carrier);
// Expects options that passed validate().
std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context);
adapters::Registry::Factory factory();

}  // namespace smsgw::adapters::http
