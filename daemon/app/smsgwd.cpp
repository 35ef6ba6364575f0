// smsgwd: parse the command line, load the configuration, run. Everything else is in smsgw_app.

#include <charconv>
#include <cstring>
#include <iostream>
#include <string>

#include "app/application.hpp"
#include "app/logging.hpp"
#include "common/time.hpp"

namespace {

constexpr const char* kUsage = R"(Usage: smsgwd [--config PATH] [--check-config]
       smsgwd --help | --version

SMS notification gateway daemon.

Options:
  --config PATH    configuration file (default: /etc/smsgw/smsgw.toml)
  --check-config   load and validate the configuration, print the result, exit
  --help           show this help
  --version        show the version
  --clock-offset SECONDS
                   run with the wall clock shifted by SECONDS (may be negative), to rehearse
                   schedules; for testing only (docs/scheduling.md)
  --fake-now TIME  the same, given as the RFC 3339 time the daemon starts at, e.g.
                   2026-02-14T08:59:50+08:00

Signals: SIGTERM/SIGINT stop gracefully; SIGHUP reloads tokens, carrier rate/priority,
retry and log level without dropping queued work.

Exit status: 0 ok, 64 bad command line, 69 cannot open the store or bind the
listener, 78 invalid configuration (each problem is printed as FILE:LINE: KEY: message).
)";

bool parse_clock_option(const std::string& option, const std::string& value,
                        smsgw::app::RunOptions& out) {
  if (option == "--fake-now") {
    auto t = smsgw::parse_rfc3339(value);
    if (!t) return false;
    out.clock_offset_ms = *t - smsgw::now_ms();
    return true;
  }
  std::int64_t seconds = 0;
  const char* first = value.data();
  const char* last = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(first, last, seconds);
  if (ec != std::errc() || ptr != last) return false;
  out.clock_offset_ms = seconds * 1000;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "/etc/smsgw/smsgw.toml";
  bool check_only = false;
  smsgw::app::RunOptions run_options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return smsgw::app::kExitOk;
    }
    if (arg == "--version") {
      std::cout << "smsgwd " << SMSGW_VERSION << "\n";
      return smsgw::app::kExitOk;
    }
    if (arg == "--check-config") {
      check_only = true;
    } else if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(std::strlen("--config="));
    } else if ((arg == "--clock-offset" || arg == "--fake-now") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (!parse_clock_option(arg, value, run_options)) {
        std::cerr << "smsgwd: " << arg << ": not a valid value: " << value << "\n";
        return smsgw::app::kExitUsage;
      }
    } else {
      std::cerr << "smsgwd: unknown or incomplete option: " << arg << "\n\n" << kUsage;
      return smsgw::app::kExitUsage;
    }
  }

  smsgw::config::Config config;
  try {
    config = smsgw::app::load_and_validate(config_path);
  } catch (const smsgw::config::ConfigError& e) {
    // Under systemd "<3>" makes journald record these lines at priority err.
    const char* prefix = smsgw::app::stderr_is_journal() ? "<3>" : "";
    for (const auto& problem : e.problems()) std::cerr << prefix << problem << "\n";
    std::cerr << prefix << "smsgwd: invalid configuration, not starting\n";
    return smsgw::app::kExitConfig;
  }
  if (check_only) {
    std::cout << config_path << ": configuration OK (" << config.carriers.size()
              << " carrier(s), " << config.api.tokens.size() << " token(s))\n";
    return smsgw::app::kExitOk;
  }
  smsgw::app::setup_logging();
  return smsgw::app::run(std::move(config), run_options);
}
