#pragma once
// Adapter types by name. The registry is explicit (register_builtin_adapters in adapters/):
// with static libraries, self-registering objects would be dropped by the linker.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/core/contract.hpp"

namespace smsgw::adapters {

class Registry {
 public:
  struct Factory {
    // Validates CarrierConfig::options; returns problems as "file:line: key: message" strings
    // (config::describe helps). Run by --check-config and at start-up before create().
    std::function<std::vector<std::string>(const config::CarrierConfig&)> validate;
    std::function<std::unique_ptr<Adapter>(const AdapterContext&)> create;
  };

  void add(std::string type, Factory factory);  // throws std::logic_error on duplicates
  const Factory* find(const std::string& type) const;
  std::vector<std::string> types() const;

 private:
  std::map<std::string, Factory> factories_;
};

// Validates every carrier of the config against the registry (unknown type, adapter options).
// Throws config::ConfigError with all problems.
void validate_carriers(const Registry& registry, const config::Config& config);

}  // namespace smsgw::adapters
