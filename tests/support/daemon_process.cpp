#include "support/daemon_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/http_client.hpp"

namespace smsgw::testing {

// A port below the kernel's ephemeral range (32768-60999 by default), where the tests' own
// outgoing connections take their local ports: a port the kernel handed out for bind(0) was
// one of those, and a client connection could hold it by the time smsgwd bound it ("Address
// already in use"). Candidates start at a per-process random offset, so two test processes
// of one ctest -j2 run rarely try the same one, and each is checked by binding it.
unsigned short free_loopback_port() {
  constexpr unsigned kFirst = 20000, kCount = 12000;  // 20000-31999
  static std::atomic<unsigned> next{static_cast<unsigned>(std::random_device{}() % kCount)};
  for (unsigned tries = 0; tries < kCount; ++tries) {
    const auto port = static_cast<unsigned short>(kFirst + next.fetch_add(1) % kCount);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return port;
  }
  throw std::runtime_error("no free port on 127.0.0.1 in 20000-31999");
}

std::string make_temp_dir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base != nullptr ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return templ;
}

DaemonProcess::DaemonProcess(std::string smsgwd_path, std::string dir, std::string config_toml)
    : smsgwd_path_(std::move(smsgwd_path)), dir_(std::move(dir)) {
  rewrite_config(config_toml);
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) kill9();
}

void DaemonProcess::rewrite_config(const std::string& config_toml) {
  std::ofstream out(config_path(), std::ios::trunc);
  out << config_toml;
}

bool DaemonProcess::start(const std::string& base_url, std::chrono::milliseconds timeout) {
  spawn();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;  // exited during start-up: the log says why
    }
    if (http_request("GET", base_url + "/healthz", "", "", {}, 1000).status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void DaemonProcess::spawn() {
  const std::string log_path = dir_ + "/smsgwd.log";
  const std::string config = config_path();
  // argv and the environment are built before fork(): the child of a threaded test may only
  // call async-signal-safe functions, which malloc() is not.
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(smsgwd_path_.c_str()));
  argv.push_back(const_cast<char*>("--config"));
  argv.push_back(const_cast<char*>(config.c_str()));
  for (auto& arg : extra_args_) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    bool overridden = false;
    for (const auto& [name, value] : extra_env_) overridden |= entry.rfind(name + "=", 0) == 0;
    if (!overridden) env_storage.push_back(entry);
  }
  for (const auto& [name, value] : extra_env_) env_storage.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDERR_FILENO);
      ::dup2(fd, STDOUT_FILENO);
    }
    ::execve(smsgwd_path_.c_str(), argv.data(), envp.data());
    std::_Exit(127);
  }
}

void DaemonProcess::signal(int signo) {
  if (pid_ > 0) ::kill(pid_, signo);
}

std::optional<int> DaemonProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return -WTERMSIG(status);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

void DaemonProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string DaemonProcess::log() const {
  std::ifstream in(dir_ + "/smsgwd.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult run_command(const std::string& shell_command) {
  CommandResult result;
  FILE* pipe = ::popen((shell_command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace smsgw::testing
