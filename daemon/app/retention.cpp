#include "app/retention.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace smsgw::app {

namespace asio = boost::asio;

namespace {

// Between passes of a backlog: long enough for the writer to commit other work in between.
constexpr std::chrono::milliseconds kBacklogPause{20};

}  // namespace

struct Retention::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_, store::Store& store_, Metrics& metrics_,
       config::RetentionConfig config_, Clock clock_)
      : io(io_), store(store_), metrics(metrics_), config(config_), clock(std::move(clock_)),
        timer(io_) {}

  asio::io_context& io;
  store::Store& store;
  Metrics& metrics;
  config::RetentionConfig config;
  Clock clock;
  asio::steady_timer timer;
  bool stopped = false;
  bool running = false;
  std::int64_t after_id = 0;  // where the current round's message scan continues
  std::int64_t after_batch_id = 0;

  void arm(std::chrono::milliseconds delay) {
    timer.expires_after(delay);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->pass();
    });
  }

  void pass() {
    if (stopped || running) return;
    const UnixMs now = clock.now();
    store::PruneRequest req;
    if (config.messages.count() > 0) req.messages_before = now - config.messages.count();
    if (config.idempotency_keys.count() > 0) req.keys_before = now - config.idempotency_keys.count();
    if (config.pending_reports.count() > 0) req.reports_before = now - config.pending_reports.count();
    req.after_id = after_id;
    req.after_batch_id = after_batch_id;
    req.batch = config.batch;
    running = true;
    store.async_prune(req, [self = shared_from_this()](std::error_code ec, store::PruneCounts c) {
      asio::post(self->io, [self, ec, c] { self->done(ec, c); });
    });
  }

  void done(std::error_code ec, const store::PruneCounts& c) {
    running = false;
    if (stopped) return;
    if (ec) {
      spdlog::warn("retention: pruning failed: {}; trying again later", ec.message());
      after_id = after_batch_id = 0;
      return arm(config.interval);
    }
    auto count = [&](const char* table, std::int64_t n) {
      if (n > 0) metrics.retention_pruned.inc({table}, static_cast<double>(n));
    };
    count("messages", c.messages);
    count("attempts", c.attempts);
    count("batches", c.batches);
    count("idempotency_keys", c.idempotency_keys);
    count("pending_reports", c.pending_reports);
    if (c.messages + c.batches + c.idempotency_keys + c.pending_reports > 0)
      spdlog::debug("retention: pruned {} messages ({} attempts), {} batches, {} idempotency keys, "
                    "{} pending reports",
                    c.messages, c.attempts, c.batches, c.idempotency_keys, c.pending_reports);
    if (c.more) {
      after_id = c.last_message_id;
      after_batch_id = c.last_batch_id;
      return arm(kBacklogPause);
    }
    after_id = after_batch_id = 0;  // the next round starts from the oldest rows again
    arm(config.interval);
  }
};

Retention::Retention(asio::io_context& io, store::Store& store, Metrics& metrics,
                     config::RetentionConfig config, Clock clock)
    : impl_(std::make_shared<Impl>(io, store, metrics, config, std::move(clock))) {}

Retention::~Retention() { stop(); }

void Retention::start() {
  for (const char* table : {"messages", "attempts", "batches", "idempotency_keys", "pending_reports"})
    impl_->metrics.retention_pruned.inc({table}, 0);
  impl_->arm(std::chrono::milliseconds{0});
}

void Retention::reconfigure(config::RetentionConfig config) { impl_->config = config; }

void Retention::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

}  // namespace smsgw::app
