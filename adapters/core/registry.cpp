#include "adapters/core/registry.hpp"

#include <stdexcept>

namespace smsgw::adapters {

void Registry::add(std::string type, Factory factory) {
  if (factories_.contains(type)) {
    throw std::logic_error("carrier type registered twice: " + type);
  }
  factories_.emplace(std::move(type), std::move(factory));
}

const Registry::Factory* Registry::find(const std::string& type) const {
  const auto it = factories_.find(type);
  return it == factories_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::types() const {
  std::vector<std::string> names;
  names.reserve(factories_.size());
  for (const auto& [name, factory] : factories_) names.push_back(name);
  return names;
}

namespace {

std::string known_types(const Registry& registry) {
  std::string out;
  for (const auto& name : registry.types()) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

void validate_carriers(const Registry& registry, const config::Config& config) {
  std::vector<std::string> problems;
  for (const auto& carrier : config.carriers) {
    const auto* factory = registry.find(carrier.type);
    if (factory == nullptr) {
      problems.push_back(config::describe(
          carrier, nullptr, "type",  // null: the line of the carrier's [[carriers]] header
          "unknown carrier type \"" + carrier.type + "\" (known: " + known_types(registry) + ")"));
      continue;
    }
    if (factory->validate) {
      auto found = factory->validate(carrier);
      problems.insert(problems.end(), std::make_move_iterator(found.begin()),
                      std::make_move_iterator(found.end()));
    }
  }
  if (!problems.empty()) throw config::ConfigError(std::move(problems));
}

}  // namespace smsgw::adapters
