#pragma once
// Where delivery reports and inbound messages enter the store, whichever way they came: an
// HTTP callback (the API's /v1/callbacks and /v1/inbound routes) or an adapter's own connection
// (the ReportSink of the contract, rule 11). It binds every report and reply to the one carrier
// it came in on (rule 13), bounds what the carrier wrote, reads each reply's keyword
// (twoway/keywords.hpp), commits a whole callback's reports in one transaction and its replies
// in the next, counts them in smsgw_delivery_reports_total and smsgw_inbound_total, and only
// then answers.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "adapters/core/contract.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "config/config.hpp"
#include "store/store.hpp"
#include "twoway/keywords.hpp"

namespace smsgw::reports {

// How a batch of reports went, for the answer.
struct IntakeResult {
  std::size_t applied = 0;    // changed a message (or were duplicates of a final state)
  std::size_t kept = 0;       // no message yet: kept, applied when the send is recorded
  std::size_t refused = 0;    // unknown and too many kept already: the carrier must resend
  std::size_t invalid = 0;    // unusable references (dropped; counted as "unknown")
  std::size_t inbound_stored = 0;
  std::size_t inbound_duplicate = 0;  // that carrier id was stored already
  std::size_t inbound_invalid = 0;    // no usable sender number (dropped)
  std::vector<std::int64_t> inbound_ids;  // per inbound message handed in, its row (0 if dropped)
};

class ReportIntake {
 public:
  ReportIntake(store::Store& store, Metrics& metrics, Clock clock = {},
               const config::InboundConfig& inbound = {});

  // The [inbound] settings of a reloaded config (any thread).
  void reconfigure(const config::InboundConfig& inbound);

  // Commits `reports` then `inbound` for `carrier`, then calls `done` (on the store's
  // completion thread: the caller posts it where it needs it). An error means nothing more
  // than "ask the carrier to send it again": reports and replies already committed are
  // recognised as duplicates when they come back.
  void submit(const std::string& carrier, std::vector<adapters::Report> reports,
              std::vector<adapters::Inbound> inbound,
              std::function<void(std::error_code, IntakeResult)> done);
  void submit(const std::string& carrier, std::vector<adapters::Report> reports,
              std::function<void(std::error_code, IntakeResult)> done) {
    submit(carrier, std::move(reports), {}, std::move(done));
  }

  // A ReportSink for an adapter's own connection, bound to `carrier`; `post` runs the ack on
  // the io thread.
  std::unique_ptr<adapters::ReportSink> sink_for(
      std::string carrier, std::function<void(std::function<void()>)> post);

 private:
  struct Rules {
    twoway::KeywordRules keywords;
    store::InboundRules store;
  };
  std::shared_ptr<const Rules> rules() const;
  void submit_inbound(const std::string& carrier, std::vector<adapters::Inbound> inbound,
                      IntakeResult result, std::function<void(std::error_code, IntakeResult)> done);

  store::Store& store_;
  Metrics& metrics_;
  Clock clock_;
  mutable std::mutex rules_mutex_;
  std::shared_ptr<const Rules> rules_;
};

}  // namespace smsgw::reports
