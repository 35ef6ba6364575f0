#pragma once
// A helper program as a subprocess (e.g. the npm `smpp` SMSC of tests/interop), with its stdout
// read line by line through a pipe; stderr goes to the test's. Stopped with SIGTERM (SIGKILL
// after 2 s) when destroyed.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace smsgw::testing {

// The path of `name` on $PATH, if it is there and executable.
std::optional<std::string> find_on_path(const std::string& name);

class ChildProcess {
 public:
  // With `output_file`, stdout and stderr go there (appended) instead of the pipe: for programs
  // whose output nobody reads, which would otherwise block on a full pipe.
  explicit ChildProcess(std::vector<std::string> argv, std::string output_file = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const noexcept { return pid_ > 0; }
  pid_t pid() const noexcept { return pid_; }
  // The next line of stdout (without its newline); nullopt on timeout or end of output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  void signal(int signo);
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

}  // namespace smsgw::testing
