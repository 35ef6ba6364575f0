#pragma once
// Wires the daemon together and owns the lifecycle: start-up in dependency order (store,
// adapters, dispatcher, API), SIGHUP reload, and SIGTERM shutdown in reverse order (API stops
// accepting first, then the dispatcher drains, then adapters stop, then the store flushes).

#include <memory>
#include <string>

#include "config/config.hpp"

namespace smsgw::app {

// Exit statuses of smsgwd (sysexits.h where one fits).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;     // EX_USAGE: bad command line
inline constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE: cannot bind, cannot open store
inline constexpr int kExitConfig = config::kExitConfig;  // 78

// Loads and validates the config file, including adapter-specific carrier options.
// Throws config::ConfigError.
config::Config load_and_validate(const std::string& path);

// Runs the daemon until SIGTERM/SIGINT; returns the process exit status.
int run(config::Config config);

}  // namespace smsgw::app
