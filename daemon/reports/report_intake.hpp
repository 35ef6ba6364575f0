#pragma once
// Where delivery reports enter the store, whichever way they came: an HTTP callback (the API's
// /v1/callbacks route) or an adapter's own connection (the ReportSink of the contract, rule 11).
// It binds every report to the one carrier it came in on (rule 13), bounds what the carrier
// wrote, commits a whole callback's reports in one transaction, counts them in
// smsgw_delivery_reports_total, and only then answers.

#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "adapters/core/contract.hpp"
#include "common/clock.hpp"
#include "common/metrics.hpp"
#include "store/store.hpp"

namespace smsgw::reports {

// How a batch of reports went, for the answer.
struct IntakeResult {
  std::size_t applied = 0;    // changed a message (or were duplicates of a final state)
  std::size_t kept = 0;       // no message yet: kept, applied when the send is recorded
  std::size_t refused = 0;    // unknown and too many kept already: the carrier must resend
  std::size_t invalid = 0;    // unusable references (dropped; counted as "unknown")
};

class ReportIntake {
 public:
  ReportIntake(store::Store& store, Metrics& metrics, Clock clock = {});

  // Commits `reports` for `carrier`, then calls `done` (on the store's completion thread: the
  // caller posts it where it needs it).
  void submit(const std::string& carrier, std::vector<adapters::Report> reports,
              std::function<void(std::error_code, IntakeResult)> done);

  // A ReportSink for an adapter's own connection, bound to `carrier`; `post` runs the ack on
  // the io thread. Inbound messages are not stored yet (the two-way issue): they are counted
  // and acknowledged, and an adapter must not hand them in until then.
  std::unique_ptr<adapters::ReportSink> sink_for(
      std::string carrier, std::function<void(std::function<void()>)> post);

 private:
  store::Store& store_;
  Metrics& metrics_;
  Clock clock_;
};

}  // namespace smsgw::reports
