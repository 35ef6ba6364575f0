#pragma once
// The `file` carrier: appends one JSON line per message to an outbox file, for development,
// dry runs and tests: {"at": RFC 3339, "id" (string), "to", "segments", "text"} (UTF-8,
// unescaped).
// Options: path (required; relative to the config file's folder; parent folders are created).

#include <memory>
#include <string>
#include <vector>

#include "adapters/core/contract.hpp"
#include "adapters/core/registry.hpp"

namespace smsgw::adapters::file {

std::vector<std::string> validate(const config::CarrierConfig& carrier);
std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context);
adapters::Registry::Factory factory();

// The outbox path after resolving a relative `path` against the config file's folder.
std::string resolve_path(const config::CarrierConfig& carrier);

}  // namespace smsgw::adapters::file
