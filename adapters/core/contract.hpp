#pragma once
// The carrier contract: what the dispatcher and the API (the core) and every adapter
// (adapters/<type>/) may expect of each other. In the spirit of Kannel's smscconn_p.h, as
// numbered rules; adapters/README.md says why the seam has this shape.
//
// Threading and lifecycle
//  1. Every member function is called on the io_context thread, and every callback an adapter
//     makes (results, listener, report sink) MUST run on it. An adapter MUST NOT block that
//     thread: no sleeping, no blocking socket or file calls longer than a local write, no waiting
//     on other threads. Network I/O goes through Asio or the shared CurlMulti.
//  2. start() is called once, before the first submit(), and MUST return at once: connection
//     progress is reported through Listener::on_state, never waited for.
//  3. async_stop() MUST stop taking work, finish or fail what is outstanding (unbind, terminate,
//     let requests run out their timeout), then call `done` exactly once. Every submitted
//     message still gets its result (rule 6) before `done`.
//
// Submitting (core -> adapter)
//  4. The core submits only while credit() > 0, at most min(credit(), max_batch()) messages per
//     submit(). An adapter MUST accept every message it is given while it has credit: no
//     "window full" failures. When credit grows or the adapter's ability to send changes, it
//     MUST tell the Listener (on_credit / on_state); the core never polls.
//  5. A Submission carries either final text (signature included) or a TemplateCall, never
//     both. An adapter MUST NOT rewrite the text; it encodes it as its protocol requires and
//     splits a batch into as many requests as its protocol needs (for example by content).
//  6. Exactly one SubmitResult per submitted message, never synchronously inside submit()
//     (post it), including when the adapter stops (carrier_errc::unavailable) or the carrier
//     never answers (carrier_errc::timeout after CarrierConfig::timeout). A result names the
//     message by its Submission::id.
//  7. No retries, no queueing beyond the window. An adapter reports one attempt's outcome; the
//     core owns retries, backoff, failover, rate limits, the circuit breaker and quiet hours.
//  8. Errors are std::error_codes in the adapter's own category (or carrier_errc), each
//     equivalent to exactly one of failure::transient, failure::permanent, failure::throttled
//     (failure.hpp). Throttled MAY carry the carrier's retry_after: the core pauses the carrier
//     and the message keeps its attempts. Transient MAY carry one too, for a limit on one
//     number rather than the carrier: that message is not tried again sooner, the carrier goes
//     on. A code the adapter cannot classify is transient. When
//     the carrier may have accepted a message without saying so (a timeout on a carrier without
//     idempotency), the adapter SHOULD find out (query) before reporting transient.
//  9. Accepted messages carry the carrier's ids: one per segment where the protocol has them
//     (SMPP, CMPP), else one, or none plus a carrier batch id where reports name a batch and a
//     number (云MAS msgGroup, Aliyun BizId).
// 10. `detail` is for people and logs only: no phone numbers, no secrets, no message text.
//
// Reports and inbound messages (adapter -> core)
// 11. Delivery reports and inbound messages go to the ReportSink; the sink commits them and
//     then calls `ack`. An adapter whose protocol acknowledges (deliver_sm_resp,
//     CMPP_DELIVER_RESP) MUST answer only from `ack`, and answer with an error (so the carrier
//     sends again) when `ack` reports one.
// 12. HTTP callbacks are parsed by parse_callback(): any number of reports and inbound
//     messages, plus the answer body the carrier's protocol expects, which the core sends after
//     the commit. A malformed callback changes nothing and gets the carrier's own error answer.
//     parse_callback is pure: it MUST NOT throw, block or keep state; bounds are in this file.
// 13. The core, not the adapter, decides which carrier a report may touch: the one whose
//     authenticated callback path or session it came in on.
//
// 15. A carrier that can be asked for reports (Aliyun QuerySendDetails, Tencent
//     PullSmsSendStatus) returns a delay from report_poll_after(). The core then calls
//     poll_reports() for messages accepted at least that long ago without a report (a few
//     times, at growing intervals, at most kMaxReportQueries at once); the adapter calls `done`
//     exactly once, on the io thread, never inside the call, with what it learned (about these
//     messages or, where the protocol pulls a queue, others of the same carrier), and keeps no
//     state between calls. The core commits them like pushed reports (rules 11, 13).
//
// Isolation
// 14. An adapter touches nothing outside this folder (adapters/core/) and its own folder.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/types.hpp"
#include "config/config.hpp"

namespace smsgw::adapters {

class CurlMulti;

// ----------------------------------------------------------------------------------------------
// What flows down.

// An approved carrier template and its parameters, rendered for one recipient. `named`: the
// carrier takes an object (aliyun TemplateParam); otherwise an ordered list (tencent, 云MAS)
// and the names are empty.
struct TemplateCall {
  std::string code;
  std::vector<std::pair<std::string, std::string>> params;
  bool named = false;
};

struct Submission {
  std::int64_t id = 0;      // smsgw message id
  std::string to;           // E.164, e.g. "+8613800138000"
  std::string text;         // final UTF-8 text, signature included; empty with template_call
  // The same text without its signature, only for an adapter that signs_itself() (云MAS adds
  // the signature registered for its `sign` code; the phone would show it twice).
  std::string unsigned_text;
  std::optional<TemplateCall> template_call;
  int segments = 1;
  Priority priority = Priority::normal;
  std::optional<UnixMs> expires_at;
  std::string extension;    // sender extension for reply routing; "" = none
};

// ----------------------------------------------------------------------------------------------
// What flows up.

struct SubmitResult {
  std::int64_t id = 0;                    // Submission::id
  std::error_code error;                  // empty = accepted by the carrier
  std::vector<std::string> carrier_ids;   // rule 9
  std::string carrier_batch_id;           // rule 9
  std::string detail;                     // rule 10
  // With a throttled error: how long the carrier asked us to wait, if it said; with a
  // transient one: the earliest retry of this message (rule 8).
  std::optional<std::chrono::milliseconds> retry_after = std::nullopt;
};

// Called once per submitted message (rule 6).
using ResultHandler = std::function<void(SubmitResult)>;

// A delivery report. The carrier names the message either by its own id (`carrier_id`), or by
// a batch id and the number (`carrier_batch_id` + `number`, E.164).
struct Report {
  enum class State { delivered, failed, expired };
  std::string carrier_id;
  // Other forms the carrier's id may have been written in when the message was sent: SMPP
  // SMSCs answer submit_sm in hex and write receipts in decimal, or the reverse. The core
  // matches carrier_id first, then these in order.
  std::vector<std::string> carrier_id_forms;
  std::string carrier_batch_id;
  std::string number;
  State state = State::delivered;
  std::string error;              // the carrier's code or text (bounded by the core)
  std::optional<UnixMs> at;       // when the carrier says it happened
};

// A message a recipient sent (MO).
struct Inbound {
  std::string carrier_id;  // the carrier's id for it, if any (deduplication)
  std::string from;        // E.164
  std::string to;          // the number it was sent to, with any extension
  std::string text;        // UTF-8
  std::optional<UnixMs> received_at;
};

// Rule 15: a message whose report has not come.
struct ReportQuery {
  std::int64_t id = 0;
  std::string number;               // E.164
  std::string carrier_id;           // as stored (may be empty)
  std::string carrier_batch_id;     // as stored (may be empty)
  UnixMs sent_at = 0;
};
inline constexpr std::size_t kMaxReportQueries = 100;
using PollHandler = std::function<void(std::vector<Report>)>;

// Rule 11. Implemented by the core.
class ReportSink {
 public:
  virtual ~ReportSink() = default;
  // Commits the reports and inbound messages, then calls `ack` on the io thread (never
  // synchronously) with the commit's error, if any.
  virtual void deliver(std::vector<Report> reports, std::vector<Inbound> inbound,
                       std::function<void(std::error_code)> ack) = 0;
};

// Rule 4. Implemented by the dispatcher.
class Listener {
 public:
  virtual ~Listener() = default;
  virtual void on_credit() = 0;                    // credit() grew
  virtual void on_state(bool up, std::string reason) = 0;  // up() changed
};

// ----------------------------------------------------------------------------------------------
// HTTP callbacks (rule 12).

struct CallbackRequest {
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // lowercase names
};

struct CallbackAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;  // empty: the core's default answer
};

struct CallbackParse {
  std::string error;             // non-empty: malformed, nothing is committed
  std::vector<Report> reports;
  std::vector<Inbound> inbound;
  CallbackAnswer answer;         // after a successful commit (or at once when malformed)
  CallbackAnswer retry_answer;   // when the commit failed: the carrier should send it again
};

// Bounds on what a carrier's report may carry into the store and the logs.
inline constexpr std::size_t kMaxCarrierMessageId = 128;  // bytes of printable ASCII
inline constexpr std::size_t kMaxReportError = 256;       // bytes of UTF-8
inline constexpr std::size_t kMaxReportsPerCallback = 1000;
bool valid_carrier_message_id(std::string_view id);
// At most kMaxReportError bytes, cut at a character boundary, control characters replaced.
std::string bounded_report_error(std::string_view error);

// ----------------------------------------------------------------------------------------------
// The adapter.

class Adapter {
 public:
  static constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

  virtual ~Adapter() = default;

  // Rule 2: set before start(). Held weakly: a listener that is gone is simply not told.
  void set_listener(std::weak_ptr<Listener> listener) { listener_ = std::move(listener); }
  virtual void start() {}

  // Rule 4: messages it can take now, and at most per submit().
  virtual std::size_t credit() const { return kUnlimited; }
  virtual std::size_t max_batch() const { return 1; }
  // Whether it sends free text, and carrier templates (a template carrier needs a mapping).
  virtual bool sends_text() const { return true; }
  virtual bool sends_templates() const { return false; }
  // True if the carrier adds the signature itself: it gets Submission::unsigned_text too.
  virtual bool signs_itself() const { return false; }

  // Rules 4-10. `batch` has 1..min(credit(), max_batch()) messages.
  virtual void submit(std::vector<Submission> batch, ResultHandler on_result) = 0;
  // Rule 3.
  virtual void async_stop(std::function<void()> done) = 0;
  // Rule 12. Default: the generic JSON of SPEC.md, one report object or an array of them.
  virtual CallbackParse parse_callback(const CallbackRequest& request) const;
  // Rule 15. Zero: the carrier cannot be asked, reports only come to it.
  virtual std::chrono::milliseconds report_poll_after() const { return std::chrono::milliseconds{0}; }
  virtual void poll_reports(std::vector<ReportQuery> /*queries*/, PollHandler done);
  // False while the adapter cannot send at all (e.g. SMPP bind lost); /readyz reads it.
  virtual bool up() const { return true; }

 protected:
  // For adapters: tell the listener, if any (call on the io thread, outside submit()).
  void notify_credit() {
    if (auto l = listener_.lock()) l->on_credit();
  }
  void notify_state(bool up, std::string reason) {
    if (auto l = listener_.lock()) l->on_state(up, std::move(reason));
  }

 private:
  std::weak_ptr<Listener> listener_;
};

// What a factory gets. References outlive the adapter.
struct AdapterContext {
  boost::asio::io_context& io;
  CurlMulti& curl;
  const config::CarrierConfig& config;
  Clock clock = {};             // the daemon's: for timestamps an adapter writes itself
  ReportSink* reports = nullptr;  // for reports that arrive on the adapter's own connections
};

// The generic JSON delivery report of SPEC.md, {"message_id", "status", "error"}, or an array
// of up to kMaxReportsPerCallback of them; answers {"status":"ok"}.
CallbackParse parse_generic_callback(const CallbackRequest& request);

}  // namespace smsgw::adapters
