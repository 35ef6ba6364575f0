#include "reports/report_intake.hpp"

#include <spdlog/spdlog.h>

#include "common/crypto.hpp"
#include "common/phone.hpp"

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
    if (reports.empty() && inbound.empty()) {
      post_([ack = std::move(ack)] { ack({}); });
      return;
    }
    // Posted, not submitted at once: a carrier reads a send's answer and its report in one
    // read (SMPP and CMPP peers push the receipt right after the response), and the
    // dispatcher's record of that send is posted in the same io turn. Going after it, the
    // report finds the send in the same commit instead of being kept as an early report and
    // applied later (2-3 more rows written and deleted per message).
    post_([this, reports = std::move(reports), inbound = std::move(inbound),
           ack = std::move(ack)]() mutable {
      intake_.submit(carrier_, std::move(reports), std::move(inbound),
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

ReportIntake::ReportIntake(store::Store& store, Metrics& metrics, Clock clock,
                           const config::InboundConfig& inbound)
    : store_(store), metrics_(metrics), clock_(std::move(clock)) {
  reconfigure(inbound);
}

void ReportIntake::reconfigure(const config::InboundConfig& inbound) {
  auto rules = std::make_shared<Rules>();
  rules->keywords.opt_out = inbound.opt_out_keywords;
  rules->keywords.opt_in = inbound.opt_in_keywords;
  rules->store.reply_window_ms = inbound.reply_window.count();
  std::lock_guard lock(rules_mutex_);
  rules_ = std::move(rules);
}

std::shared_ptr<const ReportIntake::Rules> ReportIntake::rules() const {
  std::lock_guard lock(rules_mutex_);
  return rules_;
}

void ReportIntake::submit_inbound(const std::string& carrier, std::vector<adapters::Inbound> inbound,
                                  IntakeResult result,
                                  std::function<void(std::error_code, IntakeResult)> done) {
  const UnixMs now = clock_.now();
  const auto rules = this->rules();
  std::vector<store::NewInbound> rows;
  std::vector<std::size_t> index;  // per row: its place among `inbound`
  rows.reserve(inbound.size());
  result.inbound_ids.assign(inbound.size(), 0);
  for (std::size_t i = 0; i < inbound.size(); ++i) {
    adapters::Inbound& in = inbound[i];
    PhoneResult from = normalize_phone(in.from);
    if (!from.ok()) {
      // A sender we cannot name cannot be answered, matched or suppressed.
      ++result.inbound_invalid;
      metrics_.inbound.inc({carrier, "invalid"});
      continue;
    }
    store::NewInbound row;
    row.carrier = carrier;
    if (adapters::valid_carrier_message_id(in.carrier_id)) row.carrier_id = std::move(in.carrier_id);
    row.from = std::move(from.e164);
    // The number it was sent to: digits (and a '+') only, as a carrier's own field bounds it.
    for (char ch : in.to) {
      if (row.to.size() >= 32) break;
      if ((ch >= '0' && ch <= '9') || ch == '+') row.to += ch;
    }
    row.text = twoway::bounded_reply_text(in.text);
    // The carrier's time when it is believable (not in the future); else arrival.
    const bool carrier_time = in.received_at && *in.received_at > 0 && *in.received_at <= now;
    row.received_at = carrier_time ? *in.received_at : now;
    if (row.carrier_id.empty() && carrier_time) {
      // No id, but the carrier's own time (Tencent, Aliyun without sequence_id): the same
      // push sent again has the same sender, text and time, so they name it. Without a time
      // (云MAS, SMPP) a resent push cannot be told from a second reply and is stored again.
      row.carrier_id = "h:" + sha256_hex(row.from + '\x1f' + row.to + '\x1f' + row.text + '\x1f' +
                                         std::to_string(row.received_at)).substr(0, 32);
    }
    const std::string normal = twoway::normalize_reply(row.text);
    const twoway::ReplyKind kind = twoway::classify(normal, rules->keywords);
    row.kind = std::string(twoway::to_string(kind));
    if (kind != twoway::ReplyKind::reply) row.keyword = normal;
    row.normalized = normal;
    rows.push_back(std::move(row));
    index.push_back(i);
  }
  if (rows.empty()) {
    done({}, std::move(result));
    return;
  }
  std::vector<std::pair<std::string, std::string>> logged;  // masked sender, kind
  logged.reserve(rows.size());
  for (const auto& r : rows) logged.emplace_back(mask_phone(r.from), r.kind);
  store_.async_inbound(
      std::move(rows), rules->store,
      [this, carrier, index = std::move(index), logged = std::move(logged), result,
       done = std::move(done)](std::error_code ec, std::vector<store::InboundOutcome> outcomes) mutable {
        if (ec) {
          done(ec, std::move(result));
          return;
        }
        for (std::size_t k = 0; k < outcomes.size() && k < index.size(); ++k) {
          result.inbound_ids[index[k]] = outcomes[k].id;
          if (outcomes[k].result == store::InboundResult::duplicate) {
            ++result.inbound_duplicate;
            metrics_.inbound.inc({carrier, "duplicate"});
            continue;
          }
          ++result.inbound_stored;
          metrics_.inbound.inc({carrier, logged[k].second});
          // Never the text (it is the person's) nor the whole number.
          spdlog::info("inbound {} from {} via {} ({})", outcomes[k].id, logged[k].first, carrier,
                       logged[k].second);
        }
        done({}, std::move(result));
      });
}

void ReportIntake::submit(const std::string& carrier, std::vector<adapters::Report> reports,
                          std::vector<adapters::Inbound> inbound,
                          std::function<void(std::error_code, IntakeResult)> done) {
  if (!inbound.empty()) {
    // Reports first, then the replies, each batch in its own transaction; the replies wait for
    // the reports' commit (a failed one fails the whole callback, which the carrier resends).
    auto then = [this, carrier, inbound = std::move(inbound),
                 done = std::move(done)](std::error_code ec, IntakeResult r) mutable {
      if (ec) {
        done(ec, std::move(r));
        return;
      }
      submit_inbound(carrier, std::move(inbound), std::move(r), std::move(done));
    };
    if (reports.empty()) {
      then({}, IntakeResult{});
      return;
    }
    submit(carrier, std::move(reports), {}, std::move(then));
    return;
  }
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
