#pragma once
// Asks carriers about reports that never came (contract rule 15): every `tick`, for each
// carrier whose adapter can be asked, the messages it accepted at least report_poll_after() ago
// that are still 'sent' go to Adapter::poll_reports (at most kMaxReportQueries at once); what
// it learns is committed through the ReportIntake like a pushed report, bound to that carrier.
// A message is asked about at most `max_polls` times, at after, 2 x after, 3 x after..., and
// only within `window` of its send: a carrier that never reports costs a few queries, not a
// query a minute forever. io thread only; one poll per carrier at a time.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "adapters/core/contract.hpp"
#include "common/clock.hpp"
#include "reports/report_intake.hpp"
#include "store/store.hpp"

namespace smsgw::reports {

struct PollerOptions {
  std::chrono::milliseconds tick{60'000};
  int max_polls = 3;
  std::chrono::milliseconds window{48 * 3'600'000};  // Aliyun keeps send details 30 days
};

class ReportPoller {
 public:
  struct Carrier {
    std::string name;
    adapters::Adapter* adapter;  // outlives the poller
  };
  ReportPoller(boost::asio::io_context& io, store::Store& store, ReportIntake& intake,
               std::vector<Carrier> carriers, Clock clock = {}, PollerOptions options = {});
  ~ReportPoller();  // stop()
  void start();
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace smsgw::reports
