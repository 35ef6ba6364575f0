#include "adapters/http/http_adapter.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <nlohmann/json.hpp>

#include "adapters/core/curl_multi.hpp"
#include "common/json_limits.hpp"
#include "adapters/core/failure.hpp"

namespace smsgw::adapters::http {
namespace {

using adapters::carrier_errc;

constexpr std::chrono::milliseconds kMaxConnectTimeout{5'000};

bool is_http_url(std::string_view url) {
  return (url.starts_with("http://") && url.size() > 7) ||
         (url.starts_with("https://") && url.size() > 8);
}

bool is_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (const unsigned char c : name) {
    // RFC 9110 token characters.
    if (std::isalnum(c) == 0 && std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) ==
                                    std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool is_header_value(std::string_view value) {
  // CR or LF would let a config value inject headers.
  return value.find_first_of("\r\n") == std::string_view::npos;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + "s";
  return std::to_string(ms.count()) + "ms";
}

// Retry-After as delta-seconds (RFC 9110 §10.2.3); an HTTP-date or garbage gives nullopt and
// the dispatcher's default pause.
std::optional<std::chrono::milliseconds> retry_after(const adapters::HttpResponse& response) {
  for (const auto& line : response.headers) {
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon != 11) continue;
    bool name_matches = true;
    for (std::size_t i = 0; i < colon; ++i) {
      name_matches = name_matches && std::tolower(static_cast<unsigned char>(line[i])) ==
                                         "retry-after"[i];
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

// What the dispatcher needs to decide on, from one curl completion.
adapters::SendOutcome classify(std::error_code ec, const adapters::HttpResponse& response,
                               std::chrono::milliseconds timeout) {
  adapters::SendOutcome outcome;
  if (ec) {
    if (ec == std::errc::operation_canceled) {
      outcome.error = carrier_errc::unavailable;
      outcome.detail = "request cancelled";
    } else if (ec.category() == adapters::curl_category() &&
               ec.value() == CURLE_OPERATION_TIMEDOUT) {
      outcome.error = carrier_errc::timeout;
      outcome.detail = "timeout after " + seconds_text(timeout);
    } else if (adapters::is_permanent(ec)) {
      // Malformed URL, certificate problems: keep curl's code, it already reads as permanent.
      outcome.error = ec;
      outcome.detail = ec.message();
    } else {
      outcome.error = carrier_errc::connection_failed;
      outcome.detail = ec.message();
    }
    return outcome;
  }

  const long status = response.status;
  if (status >= 200 && status < 300) {
    // The carrier's answer is untrusted input like any request: parsed under the same limits.
    const auto parsed = parse_json(response.body);
    const auto& json = parsed.value;
    if (json.is_object()) {
      const auto id = json.find("message_id");
      if (id != json.end() && id->is_string()) {
        outcome.carrier_message_id = id->get<std::string>();
      } else if (id != json.end() && id->is_number_integer()) {
        outcome.carrier_message_id = id->dump();
      }
      // The message was accepted either way; an id no report could name (too long, spaces,
      // control characters) is not stored, so reports for it are not matched.
      if (!outcome.carrier_message_id.empty() &&
          !adapters::valid_carrier_message_id(outcome.carrier_message_id)) {
        outcome.carrier_message_id.clear();
        outcome.detail = "accepted; the carrier's message id was not usable and is not stored";
      }
    }
    return outcome;
  }
  outcome.detail = "http " + std::to_string(status);
  if (status == 429) {
    outcome.error = carrier_errc::throttled;
    outcome.retry_after = retry_after(response);
  } else if (status >= 500 && status < 600) {
    outcome.error = carrier_errc::server_error;
  } else {
    outcome.error = carrier_errc::rejected;
  }
  return outcome;
}

class HttpAdapter final : public adapters::Adapter {
 public:
  HttpAdapter(const adapters::AdapterContext& context)
      : io_(context.io), curl_(context.curl), state_(std::make_shared<State>()) {
    const auto& options = context.config.options;
    url_ = options["url"].value_or(std::string());
    timeout_ = context.config.timeout;
    headers_.emplace_back("Content-Type: application/json");
    headers_.emplace_back("Accept: application/json");
    if (const auto* table = options["headers"].as_table()) {
      for (const auto& [key, node] : *table) {
        headers_.push_back(std::string(key.str()) + ": " + node.value_or(std::string()));
      }
    }
    if (const auto token = options["auth_token"].value<std::string>()) {
      headers_.push_back("Authorization: Bearer " + *token);
    }
  }

  void async_send(adapters::OutboundSms sms, adapters::SendHandler done) override {
    if (state_->stopping) {
      boost::asio::post(io_, [done = std::move(done)] {
        done({carrier_errc::unavailable, {}, "carrier stopping", std::nullopt});
      });
      return;
    }
    nlohmann::json body = {{"id", std::to_string(sms.id)},
                           {"to", std::move(sms.to)},
                           {"text", std::move(sms.text)},
                           {"segments", sms.segments}};
    adapters::HttpRequest request;
    request.url = url_;
    request.headers = headers_;
    // Invalid UTF-8 cannot reach here past the API's validation; replacing beats throwing on
    // the data plane.
    request.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    request.timeout = timeout_;
    request.connect_timeout = std::min(timeout_, kMaxConnectTimeout);

    ++state_->in_flight;
    curl_.perform(std::move(request),
                  [state = state_, timeout = timeout_, done = std::move(done)](
                      std::error_code ec, adapters::HttpResponse response) {
                    done(classify(ec, response, timeout));
                    if (--state->in_flight == 0 && state->stop_done) {
                      auto stop_done = std::move(state->stop_done);
                      state->stop_done = nullptr;
                      stop_done();
                    }
                  });
  }

  void async_stop(std::function<void()> done) override {
    state_->stopping = true;
    if (state_->in_flight == 0) {
      boost::asio::post(io_, std::move(done));
      return;
    }
    // In-flight requests finish on their own (CurlMulti keeps running, bounded by timeout_);
    // the last one to complete reports the stop.
    state_->stop_done = std::move(done);
  }

 private:
  // Shared with curl completions, which may outlive the adapter.
  struct State {
    bool stopping = false;
    std::size_t in_flight = 0;
    std::function<void()> stop_done;
  };

  boost::asio::io_context& io_;
  adapters::CurlMulti& curl_;
  std::string url_;
  std::vector<std::string> headers_;
  std::chrono::milliseconds timeout_{10'000};
  std::shared_ptr<State> state_;
};

}  // namespace

std::vector<std::string> validate(const config::CarrierConfig& carrier) {
  std::vector<std::string> problems;
  const auto& options = carrier.options;
  for (const auto& [key, node] : options) {
    const std::string_view name = key.str();
    if (name != "url" && name != "headers" && name != "auth_token") {
      problems.push_back(config::describe(carrier, &node, name,
                                          "unknown key for an http carrier (known: url, "
                                          "headers, auth_token)"));
    }
  }

  const toml::node* url = options.get("url");
  if (url == nullptr) {
    problems.push_back(config::describe(carrier, nullptr, "url", "is required"));
  } else if (!url->is_string()) {
    problems.push_back(config::describe(carrier, url, "url", "must be a string"));
  } else if (!is_http_url(url->as_string()->get())) {
    problems.push_back(config::describe(carrier, url, "url",
                                        "must start with http:// or https://"));
  }

  if (const toml::node* headers = options.get("headers")) {
    if (const auto* table = headers->as_table()) {
      for (const auto& [key, node] : *table) {
        const std::string name(key.str());
        const std::string path = "headers." + name;
        if (!is_header_name(name)) {
          problems.push_back(config::describe(carrier, &node, path, "is not a valid header name"));
        } else if (!node.is_string()) {
          problems.push_back(config::describe(carrier, &node, path, "must be a string"));
        } else if (!is_header_value(node.as_string()->get())) {
          problems.push_back(
              config::describe(carrier, &node, path, "must not contain line breaks"));
        }
      }
    } else {
      problems.push_back(
          config::describe(carrier, headers, "headers", "must be a table of strings"));
    }
  }

  if (const toml::node* token = options.get("auth_token")) {
    if (!token->is_string() || token->as_string()->get().empty()) {
      problems.push_back(
          config::describe(carrier, token, "auth_token", "must be a non-empty string"));
    } else if (!is_header_value(token->as_string()->get())) {
      problems.push_back(
          config::describe(carrier, token, "auth_token", "must not contain line breaks"));
    }
  }
  return problems;
}

std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context) {
  return std::make_unique<HttpAdapter>(context);
}

adapters::Registry::Factory factory() { return {&validate, &create}; }

}  // namespace smsgw::adapters::http
