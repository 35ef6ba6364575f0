#include "reports/report_poller.hpp"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace smsgw::reports {

namespace asio = boost::asio;

struct ReportPoller::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_, store::Store& store_, ReportIntake& intake_,
       std::vector<Carrier> carriers_, Clock clock_, PollerOptions options_)
      : io(io_), store(store_), intake(intake_), clock(std::move(clock_)), options(options_), timer(io_) {
    for (auto& c : carriers_) {
      if (c.adapter != nullptr && c.adapter->report_poll_after().count() > 0) {
        carriers.push_back({std::move(c), false});
      }
    }
  }

  struct Slot {
    Carrier carrier;
    bool busy = false;
  };

  void arm() {
    if (stopped || carriers.empty()) return;
    timer.expires_after(options.tick);
    timer.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec || self->stopped) return;
      self->poll_all();
      self->arm();
    });
  }

  void poll_all() {
    for (std::size_t i = 0; i < carriers.size(); ++i) {
      if (!carriers[i].busy) poll(i);
    }
  }

  void poll(std::size_t idx) {
    auto& slot = carriers[idx];
    const UnixMs now = clock.now();
    const auto after = slot.carrier.adapter->report_poll_after();
    auto rows = store.awaiting_reports(slot.carrier.name, now, after, options.max_polls,
                                       now - options.window.count(),
                                       static_cast<int>(adapters::kMaxReportQueries));
    if (rows.empty()) return;
    std::vector<adapters::ReportQuery> queries;
    std::vector<std::int64_t> ids;
    queries.reserve(rows.size());
    for (auto& r : rows) {
      ids.push_back(r.id);
      queries.push_back({r.id, std::move(r.to), std::move(r.carrier_message_id),
                         std::move(r.carrier_batch_id), r.sent_at});
    }
    slot.busy = true;
    const std::string name = slot.carrier.name;
    slot.carrier.adapter->poll_reports(
        std::move(queries),
        [self = shared_from_this(), idx, name, ids = std::move(ids)](std::vector<adapters::Report> reports) mutable {
          const std::size_t asked = ids.size(), learned = reports.size();
          auto finish = [self, idx, ids = std::move(ids), name, asked, learned]() mutable {
            self->store.async_report_polled(std::move(ids), [self, idx, name, asked, learned](std::error_code ec) {
              if (self->stopped) return;
              asio::post(self->io, [self, idx, name, asked, learned, ec] {
                if (ec) spdlog::warn("carrier {}: recording report polls failed: {}", name, ec.message());
                spdlog::debug("carrier {}: asked about {} messages without a report, learned {}", name,
                              asked, learned);
                self->carriers[idx].busy = false;
              });
            });
          };
          if (reports.empty() || self->stopped) {
            finish();
            return;
          }
          self->intake.submit(name, std::move(reports),
                              [self, finish = std::move(finish), name](std::error_code ec, IntakeResult) mutable {
                                if (ec) spdlog::warn("carrier {}: committing polled reports failed: {}", name, ec.message());
                                if (self->stopped) return;
                                asio::post(self->io, std::move(finish));
                              });
        });
  }

  asio::io_context& io;
  store::Store& store;
  ReportIntake& intake;
  Clock clock;
  PollerOptions options;
  asio::steady_timer timer;
  std::vector<Slot> carriers;
  // Read from the store's completion thread too: after stop() nothing is posted to the io.
  std::atomic<bool> stopped{false};
};

ReportPoller::ReportPoller(asio::io_context& io, store::Store& store, ReportIntake& intake,
                           std::vector<Carrier> carriers, Clock clock, PollerOptions options)
    : impl_(std::make_shared<Impl>(io, store, intake, std::move(carriers), std::move(clock), options)) {}

ReportPoller::~ReportPoller() { stop(); }

void ReportPoller::start() {
  if (!impl_->carriers.empty()) {
    spdlog::info("report polling: {} carrier(s) are asked about reports that do not come",
                 impl_->carriers.size());
  }
  impl_->arm();
}

void ReportPoller::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

}  // namespace smsgw::reports
