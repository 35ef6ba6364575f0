#include "app/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace smsgw::app {

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

void setup_logging() {
  if (stderr_is_journal()) {
    // SYSLOG_IDENTIFIER=smsgwd; the journal records time, pid and unit itself.
    auto sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("smsgwd");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("smsgwd", std::move(sink)));
    return;
  }
  // stderr, so stdout stays free for --check-config and friends.
  spdlog::set_default_logger(spdlog::stderr_color_mt("smsgwd"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
}

}  // namespace smsgw::app
