#pragma once
// The real smsgwd binary as a subprocess, for end-to-end tests and benchmarks: writes its
// config into a fresh temp dir, starts it, waits until /healthz answers, and stops or kills it.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
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
  // Environment variables set in the child for the next start()/spawn(), on top of the test's
  // own environment, e.g. {{"NOTIFY_SOCKET", path}}.
  void set_extra_env(std::vector<std::pair<std::string, std::string>> env) {
    extra_env_ = std::move(env);
  }
  // Starts smsgwd like start() but returns at once, without waiting for /healthz.
  void spawn();

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
  std::vector<std::pair<std::string, std::string>> extra_env_;
};

// Runs a command to completion; returns exit status and combined stdout+stderr.
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult run_command(const std::string& shell_command);

}  // namespace smsgw::testing
