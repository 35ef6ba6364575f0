#pragma once
// Reading adapter options (the keys of a [[carriers]] table that belong to its type), with
// problems as "file:line: carriers[name].key: message" like the rest of the config.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace smsgw::adapters {

// Reports every key not in `known` (plus `<secret>_file` for each of `secrets`).
void check_known_keys(const config::CarrierConfig& carrier, std::string_view type,
                      const std::vector<std::string_view>& known,
                      const std::vector<std::string_view>& secrets,
                      std::vector<std::string>& problems);

// A string option; `required` reports a missing one. nullopt when absent or wrong.
std::optional<std::string> string_option(const config::CarrierConfig& carrier, std::string_view key,
                                         bool required, std::vector<std::string>& problems);

// An integer option in [min, max]; `fallback` when absent.
std::int64_t int_option(const config::CarrierConfig& carrier, std::string_view key,
                        std::int64_t fallback, std::int64_t min, std::int64_t max,
                        std::vector<std::string>& problems);

// A duration ("30m", "2h"; "off" = zero) from `min` up; `fallback` when absent or wrong.
std::chrono::milliseconds duration_option(const config::CarrierConfig& carrier, std::string_view key,
                                          std::chrono::milliseconds fallback,
                                          std::chrono::milliseconds min,
                                          std::vector<std::string>& problems);

// An array of strings; empty when absent.
std::vector<std::string> strings_option(const config::CarrierConfig& carrier, std::string_view key,
                                        std::vector<std::string>& problems);

// A secret `key`, or `key_file` (a path, relative to the config file's folder; read whole, one
// trailing newline dropped), not both. The value never appears in a problem.
std::optional<std::string> secret_option(const config::CarrierConfig& carrier, std::string_view key,
                                         bool required, std::vector<std::string>& problems);

// A carrier that sends only approved templates (aliyun, tencent) needs at least one mapping,
// each with named params (a table) or an ordered list, as the carrier takes them.
void check_template_carrier(const config::CarrierConfig& carrier, std::string_view type, bool named,
                            std::string_view code_example, std::vector<std::string>& problems);

// An http:// or https:// URL.
bool is_http_url(std::string_view url);

}  // namespace smsgw::adapters
