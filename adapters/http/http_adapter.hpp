#pragma once
// The generic `http` carrier of SPEC.md: POST <url> with JSON {"id", "to", "text", "segments"}.
//   2xx -> accepted (optional JSON {"message_id"} becomes the carrier message id)
//   429 -> throttled, 5xx -> server_error (transient); other statuses -> rejected (permanent)
//   timeout -> carrier_errc::timeout; refused / reset / DNS -> connection_failed (transient)
// Options: url (required, http:// or https://), headers (table of strings), auth_token
// (sent as "Authorization: Bearer <token>", never logged).

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
