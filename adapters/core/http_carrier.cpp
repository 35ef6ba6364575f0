#include "adapters/core/http_carrier.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <unordered_map>

#include "adapters/core/failure.hpp"
#include "adapters/core/options.hpp"

namespace smsgw::adapters {
namespace {

constexpr std::chrono::milliseconds kMaxConnectTimeout{5'000};

std::string seconds_text(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + "s";
  return std::to_string(ms.count()) + "ms";
}

class HttpCarrier final : public Adapter {
 public:
  HttpCarrier(const AdapterContext& context, std::unique_ptr<HttpDialect> dialect,
              HttpCarrierOptions options)
      : io_(context.io),
        curl_(context.curl),
        timeout_(context.config.timeout),
        options_(options),
        state_(std::make_shared<State>()) {
    state_->dialect = std::move(dialect);
    state_->owner = this;
    options_.max_requests = std::max<std::size_t>(options_.max_requests, 1);
    state_->max_requests = options_.max_requests;
  }
  ~HttpCarrier() override { state_->owner = nullptr; }

  std::size_t credit() const override {
    if (state_->stopping || state_->requests >= options_.max_requests) return 0;
    const std::size_t free = options_.max_requests - state_->requests;
    const std::size_t batch = max_batch();
    return free > kUnlimited / batch ? kUnlimited : free * batch;
  }
  std::size_t max_batch() const override { return std::max<std::size_t>(state_->dialect->max_batch(), 1); }
  bool sends_text() const override { return state_->dialect->sends_text(); }
  bool sends_templates() const override { return state_->dialect->sends_templates(); }
  bool signs_itself() const override { return state_->dialect->signs_itself(); }
  bool up() const override { return !state_->stopping; }

  void submit(std::vector<Submission> batch, ResultHandler on_result) override {
    auto handler = std::make_shared<ResultHandler>(std::move(on_result));
    if (state_->stopping) {
      std::vector<SubmitResult> results;
      results.reserve(batch.size());
      for (const auto& s : batch) {
        results.push_back(SubmitResult{s.id, carrier_errc::unavailable, {}, {}, "carrier stopping"});
      }
      post_results(std::move(results), handler);
      return;
    }
    std::vector<SubmitResult> rejected;
    std::vector<DialectRequest> requests = state_->dialect->build(batch, rejected);
    if (!rejected.empty()) post_results(std::move(rejected), handler);
    for (auto& request : requests) perform(std::move(request), handler);
  }

  void async_stop(std::function<void()> done) override {
    state_->stopping = true;
    if (state_->requests == 0) {
      boost::asio::post(io_, std::move(done));
      return;
    }
    // Requests in flight finish on their own (bounded by the timeout); the last one to
    // complete reports the stop.
    state_->stop_done = std::move(done);
  }

  CallbackParse parse_callback(const CallbackRequest& request) const override {
    return state_->dialect->parse_callback(request);
  }

  std::chrono::milliseconds report_poll_after() const override {
    return state_->dialect->report_poll_after();
  }
  void poll_reports(std::vector<ReportQuery> queries, PollHandler done) override {
    if (state_->stopping || queries.empty() || state_->dialect->report_poll_after().count() <= 0) {
      boost::asio::post(io_, [done = std::move(done)] { done({}); });
      return;
    }
    // The dialect answers from curl completions (never synchronously); the state keeps it alive.
    state_->dialect->poll_reports(std::move(queries), curl_,
                                  [state = state_, done = std::move(done)](std::vector<Report> r) {
                                    done(std::move(r));
                                  });
  }

 private:
  // Shared with curl completions, which may outlive the adapter object.
  struct State {
    std::unique_ptr<HttpDialect> dialect;
    HttpCarrier* owner = nullptr;  // null once the adapter is gone: results still go out
    std::size_t max_requests = 1;
    bool stopping = false;
    std::size_t requests = 0;
    std::function<void()> stop_done;
  };

  void post_results(std::vector<SubmitResult> results, std::shared_ptr<ResultHandler> handler) {
    boost::asio::post(io_, [results = std::move(results), handler]() mutable {
      for (auto& r : results) (*handler)(std::move(r));
    });
  }

  void perform(DialectRequest request, std::shared_ptr<ResultHandler> handler) {
    request.http.timeout = timeout_;
    request.http.connect_timeout = std::min(timeout_, kMaxConnectTimeout);
    ++state_->requests;
    auto shared = std::make_shared<DialectRequest>(std::move(request));
    HttpRequest http = shared->http;  // the dialect keeps its copy for parse_response
    curl_.perform(std::move(http), [&curl = curl_, state = state_, shared, handler](
                                       std::error_code ec, HttpResponse response) {
      auto& dialect = *state->dialect;
      dialect.complete(*shared, ec, std::move(response), curl,
                       [state, shared, handler](std::vector<SubmitResult> results) {
                         finish(state, *shared, std::move(results), *handler);
                       });
    });
  }

  // Runs on the io thread from a curl completion (never inside submit): results may be
  // delivered directly.
  static void finish(const std::shared_ptr<State>& state, const DialectRequest& request,
              std::vector<SubmitResult> results, ResultHandler& handler) {
    // Exactly one result per id, whatever the dialect returned: a missing one is transient
    // (we cannot know whether the carrier took it), a duplicate or stranger is dropped.
    std::unordered_map<std::int64_t, bool> expected;
    expected.reserve(request.ids.size());
    for (auto id : request.ids) expected.emplace(id, false);
    for (auto& r : results) {
      auto it = expected.find(r.id);
      if (it == expected.end() || it->second) continue;
      it->second = true;
      handler(std::move(r));
    }
    for (auto id : request.ids) {
      auto it = expected.find(id);
      if (it->second) continue;
      it->second = true;
      handler(SubmitResult{id, carrier_errc::bad_response, {}, {},
                           "the carrier's answer did not mention this message"});
    }
    --state->requests;
    if (state->stopping) {
      if (state->requests == 0 && state->stop_done) std::exchange(state->stop_done, nullptr)();
      return;
    }
    // The completion that frees a slot of a full window is what lets the dispatcher go on.
    if (state->owner != nullptr && state->requests + 1 == state->max_requests) {
      state->owner->notify_credit();
    }
  }

  boost::asio::io_context& io_;
  CurlMulti& curl_;
  std::chrono::milliseconds timeout_;
  HttpCarrierOptions options_;
  std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Adapter> make_http_carrier(const AdapterContext& context,
                                           std::unique_ptr<HttpDialect> dialect,
                                           HttpCarrierOptions options) {
  return std::make_unique<HttpCarrier>(context, std::move(dialect), options);
}

std::vector<SubmitResult> same_result(const DialectRequest& request, const SubmitResult& proto) {
  std::vector<SubmitResult> out;
  out.reserve(request.ids.size());
  for (auto id : request.ids) {
    auto r = proto;
    r.id = id;
    out.push_back(std::move(r));
  }
  return out;
}

std::string url_host(const std::string& url) {
  const auto scheme = url.find("://");
  const auto start = scheme == std::string::npos ? 0 : scheme + 3;
  auto host = url.substr(start, url.find('/', start) - start);
  if (url.starts_with("https://") && host.ends_with(":443")) host.resize(host.size() - 4);
  if (url.starts_with("http://") && host.ends_with(":80")) host.resize(host.size() - 3);
  return host;
}

HttpCarrierOptions http_carrier_options(const config::CarrierConfig& carrier, std::size_t default_requests) {
  std::vector<std::string> ignored;  // validate() reported them
  HttpCarrierOptions options;
  options.max_requests = static_cast<std::size_t>(
      int_option(carrier, "max_requests", static_cast<std::int64_t>(default_requests), 1, 10'000, ignored));
  return options;
}

SubmitResult transport_failure(std::int64_t id, std::error_code ec,
                               std::chrono::milliseconds timeout) {
  SubmitResult r;
  r.id = id;
  if (ec == std::errc::operation_canceled) {
    r.error = carrier_errc::unavailable;
    r.detail = "request cancelled";
  } else if (ec.category() == curl_category() && ec.value() == CURLE_OPERATION_TIMEDOUT) {
    r.error = carrier_errc::timeout;
    r.detail = "timeout after " + seconds_text(timeout);
  } else if (is_permanent(ec)) {
    // Malformed URL, certificate problems: keep curl's code, it already reads as permanent.
    r.error = ec;
    r.detail = ec.message();
  } else {
    r.error = carrier_errc::connection_failed;
    r.detail = ec.message();
  }
  return r;
}

SubmitResult status_failure(std::int64_t id, const HttpResponse& response) {
  SubmitResult r;
  r.id = id;
  const long status = response.status;
  r.detail = "http " + std::to_string(status);
  if (status == 429) {
    r.error = carrier_errc::throttled;
    r.retry_after = retry_after(response);
  } else if (status >= 500 && status < 600) {
    r.error = carrier_errc::server_error;
  } else {
    r.error = carrier_errc::rejected;
  }
  return r;
}

std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response) {
  constexpr std::string_view kName = "retry-after";
  for (const auto& line : response.headers) {
    const auto colon = line.find(':');
    if (colon != kName.size()) continue;
    bool name_matches = true;
    for (std::size_t i = 0; i < colon; ++i) {
      name_matches = name_matches &&
                     std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
    }
    if (!name_matches) continue;
    std::string_view value = std::string_view(line).substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
    if (value.empty() || value.size() > 9) return std::nullopt;
    std::int64_t seconds = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return std::nullopt;
      seconds = seconds * 10 + (c - '0');
    }
    return std::chrono::seconds{seconds};
  }
  return std::nullopt;
}

}  // namespace smsgw::adapters
