#pragma once
// Deletes what [retention] says is no longer needed, in small transactions off the hot path:
// one pass every `interval`, each pass at most `batch` rows per kind; a pass that found a full
// batch is followed by another after a short pause (so a backlog drains without one long
// transaction holding the writer, and enqueues interleave with it). io thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "config/config.hpp"
#include "store/store.hpp"

namespace smsgw::app {

class Retention {
 public:
  Retention(boost::asio::io_context& io, store::Store& store, Metrics& metrics,
            config::RetentionConfig config, Clock clock);
  ~Retention();
  void start();
  void reconfigure(config::RetentionConfig config);  // SIGHUP
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace smsgw::app
