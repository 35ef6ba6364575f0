#include "app/notify.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>

namespace smsgw::app {

bool sd_notify_state(std::string_view state) {
  // sd_notify() wants a NUL-terminated string; unset_environment=0 keeps NOTIFY_SOCKET for
  // later notifications from this process.
  const std::string text(state);
  return ::sd_notify(0, text.c_str()) > 0;
}

std::chrono::microseconds watchdog_ping_interval() {
  std::uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::chrono::microseconds{0};
  // Half the timeout, as sd_watchdog_enabled(3) recommends: one late ping is not yet fatal.
  return std::chrono::microseconds{usec / 2};
}

ServiceNotifier::ServiceNotifier(boost::asio::io_context& io, std::function<std::string()> status,
                                 std::chrono::milliseconds status_interval)
    : watchdog_timer_(io),
      status_(std::move(status)),
      status_interval_(status_interval),
      enabled_(std::getenv("NOTIFY_SOCKET") != nullptr) {}

ServiceNotifier::~ServiceNotifier() { stop_status_thread(); }

void ServiceNotifier::ready() {
  if (!enabled_) return;
  sd_notify_state("READY=1\nSTATUS=" + status_());
  watchdog_interval_ = watchdog_ping_interval();
  if (watchdog_interval_.count() > 0) {
    spdlog::info("systemd watchdog: pinging every {} ms",
                 std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_interval_).count());
    sd_notify_state("WATCHDOG=1");
    schedule_watchdog();
  }
  status_thread_ = std::thread([this] { status_loop(); });
}

void ServiceNotifier::reloading() {
  if (!enabled_) return;
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  // MONOTONIC_USEC is what Type=notify-reload (systemd 253+) expects; older managers ignore it.
  const auto usec = static_cast<std::uint64_t>(ts.tv_sec) * 1000000u +
                    static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
  sd_notify_state("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) +
                  "\nSTATUS=reloading the configuration");
}

void ServiceNotifier::reloaded() {
  if (!enabled_) return;
  sd_notify_state("READY=1\nSTATUS=" + status_());
}

void ServiceNotifier::stopping(const std::string& status) {
  if (!enabled_) return;
  stop_status_thread();
  sd_notify_state("STOPPING=1\nSTATUS=" + status);
}

// The ping is sent from a timer on the io_context itself: if the loop wedges, pings stop and
// systemd kills and restarts the daemon after WatchdogSec.
void ServiceNotifier::schedule_watchdog() {
  watchdog_timer_.expires_after(watchdog_interval_);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    sd_notify_state("WATCHDOG=1");
    schedule_watchdog();
  });
}

void ServiceNotifier::status_loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, status_interval_, [this] { return quit_; })) {
    lock.unlock();
    const std::string text = "STATUS=" + status_();
    lock.lock();
    // stopping() may have sent its final STATUS= while this one was being computed.
    if (quit_) break;
    sd_notify_state(text);
  }
}

void ServiceNotifier::stop_status_thread() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  if (status_thread_.joinable()) status_thread_.join();
}

}  // namespace smsgw::app
