#pragma once
// The HTTP API (Boost.Beast) on the io_context thread. Socket I/O lives in server.cpp (listener
// and sessions: keep-alive, a deadline on every read and write, body limit); request handling
// lives in the router (router.hpp), which is unit-testable without sockets.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "calendar/calendar.hpp"
#include "adapters/core/contract.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "config/config.hpp"
#include "dispatch/dispatcher.hpp"
#include "store/store.hpp"

namespace smsgw::api {

// Everything the API needs from the rest of the daemon, as references and callbacks, so tests
// can wire a real store with no dispatcher.
struct Dependencies {
  store::Store& store;
  Metrics& metrics;
  // Called on the io thread after a batch is committed; due_at = earliest send_at in it.
  std::function<void(UnixMs due_at)> on_enqueued;
  // Adapter of a configured carrier by name (for callbacks), nullptr if none.
  std::function<const adapters::Adapter*(const std::string& name)> find_carrier;
  // For /readyz: carriers and whether each can send.
  std::function<std::vector<dispatch::CarrierStatus>()> carrier_status;
  // The daemon's clock: template dates, the daily cap, send_at checks, timestamps. Tests
  // inject one. Request deadlines and latency stay on the real steady clock (sockets).
  Clock clock = {};
  // The calendar in force (swapped on SIGHUP); empty or null = built-in estimates only.
  std::function<std::shared_ptr<const calendar::Calendar>()> calendar = nullptr;
  // Called on the io thread after a schedule was created, changed, paused, resumed or deleted,
  // so the scheduler re-arms its timer.
  std::function<void()> on_schedules_changed = nullptr;
  // Runs CPU-heavy request work (fan-out planning, large imports) on a worker thread; it must
  // run each function exactly once, on any thread. Empty = inline on the io thread (tests).
  std::function<void(std::function<void()>)> offload = nullptr;
  // The same for password hashing and checks (Argon2id, tens of milliseconds each), so sign-ins
  // do not wait behind a large send's planning or the other way round. Empty = `offload`.
  std::function<void(std::function<void()>)> offload_password = nullptr;
};

class Server {
 public:
  Server(boost::asio::io_context& io, const config::Config& config, Dependencies deps);
  ~Server();

  // Binds and starts accepting. Throws std::runtime_error if the address cannot be bound.
  void start();
  unsigned short port() const;  // the bound port (useful with listen = "127.0.0.1:0")

  // SIGHUP: new tokens, limits and timeouts apply to requests that start after the call.
  void reconfigure(const config::Config& config);

  // Stop accepting; let requests in progress finish and send their responses, close idle
  // keep-alive connections; `done` once every session is gone.
  void async_stop(std::function<void()> done);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Sets metrics.collector to sample the queue (smsgw_messages{status} from count_by_status,
// smsgw_queue_oldest_due_age_seconds from oldest_due_since, and the store's disk gauges) at
// every scrape. `store` must outlive `metrics.collector`. The age is measured on `clock`, the
// one due times are written on (--fake-now shifts both).
void install_queue_collector(Metrics& metrics, store::Store& store, Clock clock = {});

}  // namespace smsgw::api
