#pragma once
// The one HTTP carrier engine: an Adapter over the shared CurlMulti that any HTTP dialect plugs
// into with a small trio: build requests from a batch, turn each answer into one result per
// message, parse the carrier's callbacks. The engine owns the window (requests in flight),
// timeouts, stopping and rule 6 of the contract (one result per message, never synchronous);
// a dialect owns only its wire format, signing and error table.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "adapters/core/contract.hpp"
#include "adapters/core/curl_multi.hpp"

namespace smsgw::adapters {

// One HTTP request of a dialect and the messages it carries.
struct DialectRequest {
  HttpRequest http;               // url, method, headers, body; the engine sets the timeouts
  std::vector<std::int64_t> ids;  // Submission ids, in the order the dialect needs them
  // Whatever the dialect needs again in parse_response/complete (what it sent, to whom).
  std::shared_ptr<const void> context;
};

class HttpDialect {
 public:
  virtual ~HttpDialect() = default;

  virtual std::size_t max_batch() const { return 1; }
  virtual bool sends_text() const { return true; }
  virtual bool sends_templates() const { return false; }
  virtual bool signs_itself() const { return false; }

  // Encodes `batch` as one or more requests. A message that cannot be sent at all (e.g. a
  // template carrier given free text) gets its result in `rejected` instead of a request.
  virtual std::vector<DialectRequest> build(std::vector<Submission>& batch,
                                            std::vector<SubmitResult>& rejected) = 0;

  // One result for every id of `request`. `transport` is set when no HTTP answer came (curl's
  // error, with timeouts as CURLE_OPERATION_TIMEDOUT).
  virtual std::vector<SubmitResult> parse_response(const DialectRequest& request,
                                                   std::error_code transport,
                                                   const HttpResponse& response) = 0;

  // A dialect that must ask before it can answer (Aliyun after a timeout: query, since a
  // resend may duplicate) overrides this; `finish` is then called exactly once, on the io
  // thread, with one result per id. Default: parse_response.
  using Finish = std::function<void(std::vector<SubmitResult>)>;
  virtual void complete(const DialectRequest& request, std::error_code transport,
                        HttpResponse response, CurlMulti& /*curl*/, Finish finish) {
    finish(parse_response(request, transport, response));
  }

  // Rule 15 of the contract: a dialect that can ask the carrier for reports.
  virtual std::chrono::milliseconds report_poll_after() const { return std::chrono::milliseconds{0}; }
  virtual void poll_reports(std::vector<ReportQuery> /*queries*/, CurlMulti& /*curl*/, PollHandler done) {
    done({});
  }

  virtual CallbackParse parse_callback(const CallbackRequest& request) const {
    return parse_generic_callback(request);
  }
};

struct HttpCarrierOptions {
  std::size_t max_requests = 64;  // requests in flight at once (the window)
};

// The same result for every message of `request` (answers that cover a whole request).
std::vector<SubmitResult> same_result(const DialectRequest& request, const SubmitResult& proto);
// host[:port] of an http(s) URL as libcurl sends it in Host (default ports dropped), for
// dialects that sign the Host header.
std::string url_host(const std::string& url);

// The options every HTTP dialect reads the same way: `max_requests` (1..10,000).
HttpCarrierOptions http_carrier_options(const config::CarrierConfig& carrier, std::size_t default_requests);

// The adapter. `dialect` lives as long as the adapter.
std::unique_ptr<Adapter> make_http_carrier(const AdapterContext& context,
                                           std::unique_ptr<HttpDialect> dialect,
                                           HttpCarrierOptions options = {});

// Shared by dialects: a transport error as a result (timeouts, refused connections, cancelled
// requests), with a detail that names the condition but no URL or secret.
SubmitResult transport_failure(std::int64_t id, std::error_code transport,
                               std::chrono::milliseconds timeout);
// An HTTP status outside 2xx as the generic classes: 429 throttled (with its Retry-After),
// 5xx transient, others permanent.
SubmitResult status_failure(std::int64_t id, const HttpResponse& response);
// Retry-After as delta-seconds (RFC 9110 §10.2.3); an HTTP-date or garbage gives nullopt.
std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response);

}  // namespace smsgw::adapters
