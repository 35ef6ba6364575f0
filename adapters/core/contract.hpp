#pragma once
// The carrier adapter contract. Every adapter (adapters/<type>/) implements Adapter and is
// created by a factory registered in the Registry. Rules, in the spirit of Kannel's smscconn_p.h:
//
//  1. Threading. Every member function is called on the io_context thread, and every completion
//     is invoked on it. Nothing may block that thread: no sleeping, no blocking socket or file
//     calls longer than a local write, no waiting on other threads. Network I/O goes through
//     Asio or the shared CurlMulti.
//  2. Exactly once. async_send invokes its completion exactly once for every call, including
//     when the adapter is stopped (with carrier_errc::unavailable) or the carrier never answers
//     (with carrier_errc::timeout after CarrierConfig::timeout). Never synchronously from inside
//     async_send: post it.
//  3. No retries. An adapter reports one attempt's outcome; the dispatcher owns retries,
//     backoff, failover, rate limits and the circuit breaker. An adapter must not queue
//     messages beyond what it is given.
//  4. Errors are error codes equivalent to failure::transient, failure::permanent or
//     failure::throttled (see failure.hpp); a throttled outcome may carry the carrier's
//     retry_after. Throttling pauses the carrier and does not count as an attempt. The human-readable `detail` is for people and logs only; phone numbers
//     never appear in it.
//  5. Do not alter the message. The text arrives final (signature included); encode it as the
//     protocol requires, but never rewrite it.
//  6. An adapter touches nothing outside this interface and its own folder.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "common/clock.hpp"
#include "common/types.hpp"
#include "config/config.hpp"

namespace smsgw::adapters {

class CurlMulti;

struct OutboundSms {
  std::int64_t id = 0;  // smsgw message id
  std::string to;       // E.164, e.g. "+8613800138000"
  std::string text;     // final UTF-8 text
  int segments = 1;
};

struct SendOutcome {
  std::error_code error;           // empty = accepted by the carrier
  std::string carrier_message_id;  // when accepted and the carrier gave one
  std::string detail;              // e.g. "http 503", "timeout after 10s" (no phone numbers)
  // With a throttled error: how long the carrier asked us to wait (its Retry-After), if it said.
  std::optional<std::chrono::milliseconds> retry_after = std::nullopt;
};

using SendHandler = std::function<void(SendOutcome)>;

// A delivery report parsed from a carrier's callback request.
struct CallbackReport {
  std::string carrier_message_id;
  bool delivered = false;
  std::string error;
};

struct CallbackRequest {
  std::string content_type;
  std::string body;
};

struct CallbackParse {
  std::optional<CallbackReport> report;  // nullopt with error set = malformed
  std::string error;                     // what is wrong, for the 400 problem detail
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  // Connect, log in, start timers. Called once before the first async_send.
  virtual void start() {}
  // See the contract above. `sms` may be moved from.
  virtual void async_send(OutboundSms sms, SendHandler done) = 0;
  // Stop accepting sends; fail queued/in-flight ones with unavailable once they cannot finish
  // (the dispatcher waits for in-flight sends up to the shutdown grace first). `done` once.
  virtual void async_stop(std::function<void()> done) = 0;
  // Parses POST /v1/callbacks/{name}. Default: the generic JSON shape of SPEC.md
  // {"message_id", "status": "delivered"|"failed", "error"}.
  virtual CallbackParse parse_callback(const CallbackRequest& request) const;
  // False while the adapter cannot send at all (e.g. SMPP bind lost); /readyz reads it.
  virtual bool up() const { return true; }
};

// What a factory gets. References outlive the adapter.
struct AdapterContext {
  boost::asio::io_context& io;
  CurlMulti& curl;
  const config::CarrierConfig& config;
  Clock clock = {};  // the daemon's: for timestamps an adapter writes itself (not deadlines)
};

// Parses the generic JSON delivery report; shared by adapters whose carriers use it.
CallbackParse parse_generic_callback(const CallbackRequest& request);

// Bounds on what a carrier's report may carry into the store and the logs.
inline constexpr std::size_t kMaxCarrierMessageId = 128;  // bytes of printable ASCII
inline constexpr std::size_t kMaxReportError = 256;       // bytes of UTF-8
bool valid_carrier_message_id(std::string_view id);
// At most kMaxReportError bytes, cut at a character boundary, control characters replaced.
std::string bounded_report_error(std::string_view error);

}  // namespace smsgw::adapters
