#pragma once
// The systemd service-manager protocol (sd_notify): READY, STATUS, WATCHDOG, RELOADING and
// STOPPING. Without NOTIFY_SOCKET in the environment (not started by systemd as Type=notify)
// every call is a no-op, so the daemon runs the same from a shell or a test.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace smsgw::app {

// Sends one notification datagram ("READY=1\nSTATUS=..."); false if there is no NOTIFY_SOCKET
// or sending failed. Safe from any thread.
bool sd_notify_state(std::string_view state);

// Half of WATCHDOG_USEC when systemd asked for keep-alives (sd_watchdog_enabled), else zero.
std::chrono::microseconds watchdog_ping_interval();

// The daemon's side of the protocol for one run.
class ServiceNotifier {
 public:
  // `status` produces the STATUS= text (queue figures). The periodic refresh calls it on a
  // background thread, so a slow count over a large queue never holds up the io_context; it
  // must be safe to call from there.
  ServiceNotifier(boost::asio::io_context& io, std::function<std::string()> status,
                  std::chrono::milliseconds status_interval = std::chrono::seconds(10));
  ~ServiceNotifier();
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // Start-up is complete: READY=1 with a first STATUS=, then the watchdog timer and the
  // periodic STATUS= refresh begin.
  void ready();
  void reloading();  // RELOADING=1 (SIGHUP received)
  void reloaded();   // READY=1 again
  // STOPPING=1 and a final STATUS=; the periodic refresh stops. The watchdog keeps pinging
  // until the io_context stops so a slow drain is not mistaken for a hang.
  void stopping(const std::string& status);

 private:
  void schedule_watchdog();
  void status_loop();
  void stop_status_thread();

  boost::asio::steady_timer watchdog_timer_;
  std::chrono::microseconds watchdog_interval_{0};
  std::function<std::string()> status_;
  std::chrono::milliseconds status_interval_;
  bool enabled_ = false;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool quit_ = false;
  std::thread status_thread_;
};

}  // namespace smsgw::app
