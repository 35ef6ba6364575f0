#pragma once
// Wires the daemon together and owns the lifecycle: start-up in dependency order (store,
// adapters, dispatcher, API), SIGHUP reload, and SIGTERM shutdown in reverse order (API stops
// accepting first, then the dispatcher drains, then adapters stop, then the store flushes).

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace smsgw::app {

// Exit statuses of smsgwd (sysexits.h where one fits).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;     // EX_USAGE: bad command line
inline constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE: cannot bind, cannot open store
inline constexpr int kExitConfig = config::kExitConfig;  // 78

// Loads and validates the config file, including adapter-specific carrier options and the
// holiday calendar files in daemon.calendar_dir. Throws config::ConfigError.
config::Config load_and_validate(const std::string& path);

struct RunOptions {
  // Added to the wall clock everywhere (store, scheduler, dispatcher, API, metrics, retention,
  // calendar watch, file carrier; common/clock.hpp): for rehearsing schedules
  // and for end-to-end tests. Never set in production.
  std::int64_t clock_offset_ms = 0;
};

// Runs the daemon until SIGTERM/SIGINT; returns the process exit status.
int run(config::Config config, RunOptions options = {});

}  // namespace smsgw::app
