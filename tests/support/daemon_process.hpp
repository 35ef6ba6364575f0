#pragma once
// The real smsgwd binary as a subprocess, for end-to-end tests and benchmarks: writes its
// config into a fresh temp dir, starts it, waits until /healthz answers, and stops or kills it.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace smsgw::testing {

// A port on 127.0.0.1 that was free a moment ago (bind port 0, read it, close).
unsigned short free_loopback_port();

// A fresh empty directory under $TMPDIR (or /tmp), removed by the caller if wanted.
std::string make_temp_dir(const std::string& prefix);

class DaemonProcess {
 public:
  // `config_toml` is written to <dir>/smsgw.toml. `dir` is typically make_temp_dir().
  DaemonProcess(std::string smsgwd_path, std::string dir, std::string config_toml);
  ~DaemonProcess();  // SIGKILLs a still-running daemon
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Starts smsgwd --config <dir>/smsgw.toml with stderr to <dir>/smsgwd.log.
  // Returns true once GET base_url/healthz answers 200 within `timeout`.
  bool start(const std::string& base_url,
             std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void rewrite_config(const std::string& config_toml);
  // Command-line options after --config for the next start(), e.g. {"--fake-now", "..."}.
  void set_extra_args(std::vector<std::string> args) { extra_args_ = std::move(args); }

  void signal(int signo);
  // Waits for exit; returns the exit status, or -signal if killed by a signal; nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  void kill9();  // SIGKILL and reap
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  std::string log() const;  // everything smsgwd wrote to stderr so far
  const std::string& dir() const { return dir_; }
  std::string config_path() const { return dir_ + "/smsgw.toml"; }

 private:
  std::string smsgwd_path_;
  std::string dir_;
  pid_t pid_ = -1;
  std::vector<std::string> extra_args_;
};

// Runs a command to completion; returns exit status and combined stdout+stderr.
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult run_command(const std::string& shell_command);

}  // namespace smsgw::testing
