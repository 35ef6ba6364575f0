#pragma once
// The adapter types smsgwd ships, registered explicitly: with static libraries a
// self-registering object file nobody references would be dropped by the linker.

#include "carriers/registry.hpp"

namespace smsgw::adapters {

void register_builtin_adapters(carriers::Registry& registry);

}  // namespace smsgw::adapters
