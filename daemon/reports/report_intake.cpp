#include "reports/report_intake.hpp"

#include <spdlog/spdlog.h>

namespace smsgw::reports {
namespace {

bool usable(const adapters::Report& r) {
  if (!r.carrier_id.empty()) return adapters::valid_carrier_message_id(r.carrier_id);
  return adapters::valid_carrier_message_id(r.carrier_batch_id) && !r.number.empty() &&
         r.number.size() <= 32;
}

store::DeliveryReport to_store(const std::string& carrier, adapters::Report& r, UnixMs now) {
  store::DeliveryReport d;
  d.carrier = carrier;
  d.carrier_message_id = std::move(r.carrier_id);
  for (auto& form : r.carrier_id_forms) {
    if (d.carrier_message_id_forms.size() < 4 && adapters::valid_carrier_message_id(form)) {
      d.carrier_message_id_forms.push_back(std::move(form));
    }
  }
  if (d.carrier_message_id.empty()) {
    d.carrier_batch_id = std::move(r.carrier_batch_id);
    d.number = std::move(r.number);
  }
  d.delivered = r.state == adapters::Report::State::delivered;
  std::string error = adapters::bounded_report_error(r.error);
  if (r.state == adapters::Report::State::expired && error.empty()) error = "expired at the carrier";
  d.error = std::move(error);
  // The carrier's time when it gave one we can believe (not in the future); else arrival.
  d.at = r.at && *r.at > 0 && *r.at <= now ? *r.at : now;
  return d;
}

class Sink final : public adapters::ReportSink {
 public:
  Sink(ReportIntake& intake, std::string carrier, std::function<void(std::function<void()>)> post)
      : intake_(intake), carrier_(std::move(carrier)), post_(std::move(post)) {}

  void deliver(std::vector<adapters::Report> reports, std::vector<adapters::Inbound> inbound,
               std::function<void(std::error_code)> ack) override {
    if (!inbound.empty()) {
      spdlog::warn("carrier {}: {} inbound messages received; storing replies is not supported "
                   "by this version",
                   carrier_, inbound.size());
    }
    if (reports.empty()) {
      post_([ack = std::move(ack)] { ack({}); });
      return;
    }
    // Posted, not submitted at once: a carrier reads a send's answer and its report in one
    // read (SMPP and CMPP peers push the receipt right after the response), and the
    // dispatcher's record of that send is posted in the same io turn. Going after it, the
    // report finds the send in the same commit instead of being kept as an early report and
    // applied later (2-3 more rows written and deleted per message).
    post_([this, reports = std::move(reports), ack = std::move(ack)]() mutable {
      intake_.submit(carrier_, std::move(reports),
                     [post = post_, ack = std::move(ack)](std::error_code ec, IntakeResult r) {
                       // Refused reports must come again: answer with an error so the carrier
                       // resends (its protocol's retry), as a failed commit does.
                       const std::error_code answer =
                           ec ? ec : r.refused > 0 ? std::make_error_code(std::errc::no_buffer_space)
                                                   : std::error_code{};
                       post([ack, answer] { ack(answer); });
                     });
    });
  }

 private:
  ReportIntake& intake_;
  std::string carrier_;
  std::function<void(std::function<void()>)> post_;
};

}  // namespace

ReportIntake::ReportIntake(store::Store& store, Metrics& metrics, Clock clock)
    : store_(store), metrics_(metrics), clock_(std::move(clock)) {}

void ReportIntake::submit(const std::string& carrier, std::vector<adapters::Report> reports,
                          std::function<void(std::error_code, IntakeResult)> done) {
  const UnixMs now = clock_.now();
  std::vector<store::DeliveryReport> rows;
  std::vector<std::string> outcomes;  // per row: the metric's status label if applied
  rows.reserve(reports.size());
  IntakeResult result;
  for (auto& r : reports) {
    if (!usable(r)) {
      ++result.invalid;
      metrics_.delivery_reports.inc({carrier, "unknown"});
      continue;
    }
    rows.push_back(to_store(carrier, r, now));
    outcomes.push_back(rows.back().delivered ? "delivered" : "undelivered");
  }
  if (rows.empty()) {
    done({}, result);
    return;
  }
  store_.async_delivery_reports(
      std::move(rows), [this, carrier, outcomes = std::move(outcomes), result,
                        done = std::move(done)](std::error_code ec,
                                                std::vector<store::ReportResult> results) mutable {
        if (ec) {
          done(ec, result);
          return;
        }
        for (std::size_t i = 0; i < results.size(); ++i) {
          switch (results[i]) {
            case store::ReportResult::applied:
            case store::ReportResult::duplicate:
              ++result.applied;
              metrics_.delivery_reports.inc({carrier, outcomes[i]});
              break;
            case store::ReportResult::kept:
              ++result.kept;
              metrics_.delivery_reports.inc({carrier, "pending"});
              break;
            case store::ReportResult::full:
              ++result.refused;
              metrics_.delivery_reports.inc({carrier, "unknown"});
              break;
          }
        }
        done({}, result);
      });
}

std::unique_ptr<adapters::ReportSink> ReportIntake::sink_for(
    std::string carrier, std::function<void(std::function<void()>)> post) {
  return std::make_unique<Sink>(*this, std::move(carrier), std::move(post));
}

}  // namespace smsgw::reports
