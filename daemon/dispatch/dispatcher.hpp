#pragma once
// The only code that calls carriers. Runs on the io_context thread:
//   claim due messages (with a lease) -> pick a carrier (priority order, breaker closed, rate
//   tokens available) -> adapter.async_send -> classify (failure::transient/permanent) ->
//   record the attempt (sent / retry with backoff / failed / expired) through the store.
// It sleeps on a timer until the next due message, a refill of a rate bucket, or a breaker's
// half-open time; notify() wakes it early when the API commits new work. No polling loop beyond
// a slow safety tick (reclaiming expired leases).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/core/contract.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "common/timezone.hpp"
#include "config/config.hpp"
#include "schedule/quiet_hours.hpp"
#include "store/store.hpp"

namespace smsgw::dispatch {

struct CarrierSlot {
  config::CarrierConfig config;  // name, rate, burst, priority, enabled, rules
  adapters::Adapter* adapter;    // owned by the application; outlives the dispatcher
};

struct CarrierStatus {
  std::string name;
  int priority = 0;
  bool up = false;           // adapter up and breaker not open
  std::string breaker;       // "closed" | "open" | "half_open"
  std::size_t in_flight = 0;
};

class Dispatcher {
 public:
  // `clock`: its wall clock for due times, leases, expiry and attempt timestamps; its steady
  // clock for rate buckets, breakers, throttling pauses and hold times. The dispatcher's
  // timers are real and armed for durations on that clock, so a test that holds the clock
  // still sees no time-driven decision until it moves it (and pokes the dispatcher).
  Dispatcher(boost::asio::io_context& io, store::Store& store, std::vector<CarrierSlot> carriers,
             config::RetryConfig retry, config::DispatchConfig options, Metrics& metrics,
             Clock clock = {});
  ~Dispatcher();

  void start();
  // New work was committed, due at `due_at` (may be in the future). Cheap; call on the io thread.
  void notify(UnixMs due_at);
  // SIGHUP: rate, burst, priority, enabled, signature and routing rules (operators, countries)
  // of carriers with the same name, and [sms] signature (CarrierConfig::default_signature);
  // retry and breaker settings. Carriers cannot be added or removed without a restart
  // (adapters own connections).
  void reconfigure(const std::vector<config::CarrierConfig>& carriers, config::RetryConfig retry,
                   config::DispatchConfig options);
  // Stop claiming; wait for in-flight sends up to `grace`; record their results; release the
  // leases of claimed-but-unsent messages; then `done` (once, on the io thread).
  void async_stop(std::chrono::milliseconds grace, std::function<void()> done);

  // Quiet hours for retries: a non-urgent retry that would fall inside the window waits for its
  // end (new messages are deferred when they are accepted). Off until called; io thread.
  void set_quiet_hours(schedule::QuietHours quiet, TimeZone tz);

  std::vector<CarrierStatus> carrier_status() const;
  std::size_t in_flight() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace smsgw::dispatch
