#pragma once
// The adapter types smsgwd ships, registered explicitly: with static libraries a
// self-registering object file nobody references would be dropped by the linker.

#include "adapters/core/registry.hpp"

namespace smsgw::adapters {

void register_builtin_adapters(adapters::Registry& registry);

}  // namespace smsgw::adapters
