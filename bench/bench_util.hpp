#pragma once
// Small helpers the benchmark programs share: the machine line printed with every table, the
// daemon's peak RSS, number formatting, stopping the daemon.

#include <sys/utsname.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "support/daemon_process.hpp"

namespace smsgw::bench {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string machine_line() {
  std::istringstream in(read_text("/proc/cpuinfo"));
  std::string line, cpu = "unknown";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) cpu = line.substr(line.find_first_not_of(" \t", colon + 1));
      break;
    }
  }
  utsname u{};
  ::uname(&u);
  std::ostringstream out;
  out << "machine: nproc=" << std::thread::hardware_concurrency() << " cpu=\"" << cpu
      << "\" kernel=" << u.sysname << ' ' << u.release << ' ' << u.machine;
  return out.str();
}

// A field of /proc/<pid>/status in KiB ("VmHWM:", "VmRSS:", "RssAnon:", "RssFile:"); 0 if it
// cannot be read.
inline long status_kib(pid_t pid, const std::string& field) {
  std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::strtol(line.c_str() + field.size(), nullptr, 10);
  return 0;
}

// CPU time (user + system, all threads) a live process has used, in seconds; 0 if it cannot
// be read. /proc/<pid>/stat fields 14 and 15, after the command name in parentheses (which may
// hold spaces).
inline double cpu_seconds(pid_t pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && in >> field; ++i)
    if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Peak resident set (VmHWM) of a live process in KiB; 0 if it cannot be read.
inline long peak_rss_kib(pid_t pid) { return status_kib(pid, "VmHWM:"); }

// Resets VmHWM to the current RSS (proc(5), clear_refs "5"), so the next peak_rss_kib is the
// peak of what follows rather than of the process's whole life. False if not permitted.
inline bool reset_peak_rss(pid_t pid) {
  std::ofstream out("/proc/" + std::to_string(pid) + "/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

inline std::string fixed(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Percent-encoding for query strings (Kannel's sendsms).
inline std::string url_encode(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

inline bool stop_daemon(smsgw::testing::DaemonProcess& daemon) {
  daemon.signal(SIGTERM);
  if (daemon.wait_exit(std::chrono::seconds(30))) return true;
  std::cerr << "smsgwd did not exit within 30 s of SIGTERM; killing it\n";
  daemon.kill9();
  return false;
}

}  // namespace smsgw::bench
