// smsgwd: parse the command line, load the configuration, run. Everything else is in smsgw_app.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <iostream>
#include <string>

#include "app/application.hpp"

namespace {

constexpr const char* kUsage = R"(Usage: smsgwd [--config PATH] [--check-config]
       smsgwd --help | --version

SMS notification gateway daemon.

Options:
  --config PATH    configuration file (default: /etc/smsgw/smsgw.toml)
  --check-config   load and validate the configuration, print the result, exit
  --help           show this help
  --version        show the version

Signals: SIGTERM/SIGINT stop gracefully; SIGHUP reloads tokens, carrier rate/priority,
retry and log level without dropping queued work.

Exit status: 0 ok, 64 bad command line, 69 cannot open the store or bind the
listener, 78 invalid configuration (each problem is printed as FILE:LINE: KEY: message).
)";

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "/etc/smsgw/smsgw.toml";
  bool check_only = false;
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
    } else {
      std::cerr << "smsgwd: unknown or incomplete option: " << arg << "\n\n" << kUsage;
      return smsgw::app::kExitUsage;
    }
  }

  smsgw::config::Config config;
  try {
    config = smsgw::app::load_and_validate(config_path);
  } catch (const smsgw::config::ConfigError& e) {
    for (const auto& problem : e.problems()) std::cerr << problem << "\n";
    std::cerr << "smsgwd: invalid configuration, not starting\n";
    return smsgw::app::kExitConfig;
  }
  if (check_only) {
    std::cout << config_path << ": configuration OK (" << config.carriers.size()
              << " carrier(s), " << config.api.tokens.size() << " token(s))\n";
    return smsgw::app::kExitOk;
  }
  // Logs go to stderr so stdout stays free for --check-config and friends.
  spdlog::set_default_logger(spdlog::stderr_color_mt("smsgwd"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
  return smsgw::app::run(std::move(config));
}
