#include "adapters/http/http_adapter.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <nlohmann/json.hpp>

#include "adapters/core/curl_multi.hpp"
#include "adapters/core/http_carrier.hpp"
#include "adapters/core/options.hpp"
#include "common/json_limits.hpp"
#include "adapters/core/failure.hpp"

namespace smsgw::adapters::http {
namespace {

using adapters::carrier_errc;

constexpr std::int64_t kMaxBatch = 1000;
constexpr std::int64_t kMaxRequests = 10'000;

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

// The carrier's id for an accepted message, from {"message_id": "..."} (string or integer).
// An id no report could name (too long, spaces, control characters) is not stored.
void read_carrier_id(const nlohmann::json& json, adapters::SubmitResult& r) {
  if (!json.is_object()) return;
  const auto id = json.find("message_id");
  std::string value;
  if (id != json.end() && id->is_string()) {
    value = id->get<std::string>();
  } else if (id != json.end() && id->is_number_integer()) {
    value = id->dump();
  }
  if (value.empty()) return;
  if (!adapters::valid_carrier_message_id(value)) {
    r.detail = "accepted; the carrier's message id was not usable and is not stored";
    return;
  }
  r.carrier_ids.push_back(std::move(value));
}

nlohmann::json message_json(const adapters::Submission& s) {
  return {{"id", std::to_string(s.id)}, {"to", s.to}, {"text", s.text}, {"segments", s.segments}};
}

std::string dump(const nlohmann::json& j) {
  // Invalid UTF-8 cannot reach here past the API's validation; replacing beats throwing on the
  // data plane.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// SPEC.md's generic JSON. One message per request by default; with `batch = N` (N > 1) up to N
// per request as {"messages": [...]}, answered by {"results": [{"id", "status", "message_id",
// "error"}]} (docs/carriers.md).
class GenericDialect final : public adapters::HttpDialect {
 public:
  GenericDialect(const config::CarrierConfig& config) : timeout_(config.timeout) {
    const auto& options = config.options;
    url_ = options["url"].value_or(std::string());
    batch_ = static_cast<std::size_t>(options["batch"].value_or(std::int64_t{1}));
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

  std::size_t max_batch() const override { return batch_; }

  std::vector<adapters::DialectRequest> build(std::vector<adapters::Submission>& batch,
                                              std::vector<adapters::SubmitResult>& rejected) override {
    std::vector<adapters::DialectRequest> out;
    std::vector<const adapters::Submission*> text;
    for (const auto& s : batch) {
      if (s.template_call) {
        rejected.push_back({s.id, carrier_errc::rejected, {}, {},
                            "an http carrier sends text, not carrier templates"});
      } else {
        text.push_back(&s);
      }
    }
    if (batch_ <= 1) {
      out.reserve(text.size());
      for (const auto* s : text) out.push_back(request({s->id}, dump(message_json(*s))));
      return out;
    }
    for (std::size_t i = 0; i < text.size(); i += batch_) {
      nlohmann::json messages = nlohmann::json::array();
      std::vector<std::int64_t> ids;
      for (std::size_t j = i; j < std::min(text.size(), i + batch_); ++j) {
        messages.push_back(message_json(*text[j]));
        ids.push_back(text[j]->id);
      }
      out.push_back(request(std::move(ids), dump({{"messages", std::move(messages)}})));
    }
    return out;
  }

  std::vector<adapters::SubmitResult> parse_response(const adapters::DialectRequest& request,
                                                     std::error_code transport,
                                                     const adapters::HttpResponse& response) override {
    std::vector<adapters::SubmitResult> out;
    out.reserve(request.ids.size());
    if (transport) {
      for (auto id : request.ids) out.push_back(adapters::transport_failure(id, transport, timeout_));
      return out;
    }
    if (response.status < 200 || response.status >= 300) {
      for (auto id : request.ids) out.push_back(adapters::status_failure(id, response));
      return out;
    }
    // The carrier's answer is untrusted input like any request: parsed under the same limits.
    const auto parsed = parse_json(response.body);
    if (batch_ <= 1) {
      adapters::SubmitResult r;
      r.id = request.ids.front();
      if (parsed.ok()) read_carrier_id(parsed.value, r);
      out.push_back(std::move(r));
      return out;
    }
    // Batch mode: a result per message. One that is missing comes back from the engine as
    // bad_response (transient): we cannot know whether the carrier took it.
    const nlohmann::json* results = nullptr;
    if (parsed.ok() && parsed.value.is_object()) {
      auto it = parsed.value.find("results");
      if (it != parsed.value.end() && it->is_array()) results = &*it;
    }
    if (results == nullptr) {
      for (auto id : request.ids) {
        out.push_back({id, carrier_errc::bad_response, {}, {},
                       "batch answer without a \"results\" array"});
      }
      return out;
    }
    for (const auto& item : *results) {
      if (!item.is_object()) continue;
      const auto id = item.find("id");
      std::int64_t value = 0;
      if (id == item.end() || !id->is_string() || !parse_id(id->get_ref<const std::string&>(), value)) {
        continue;
      }
      adapters::SubmitResult r;
      r.id = value;
      const auto status = item.find("status");
      const std::string s = status != item.end() && status->is_string() ? status->get<std::string>() : "";
      const auto error = item.find("error");
      const std::string why = error != item.end() && error->is_string()
                                  ? adapters::bounded_report_error(error->get<std::string>())
                                  : s;
      if (s == "accepted") {
        read_carrier_id(item, r);
      } else if (s == "rejected") {
        r.error = carrier_errc::rejected;
        r.detail = "rejected: " + why;
      } else if (s == "throttled") {
        r.error = carrier_errc::throttled;
        r.detail = "throttled: " + why;
      } else {
        r.error = carrier_errc::server_error;  // "failed" or anything unknown: retry
        r.detail = "failed: " + why;
      }
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  static bool parse_id(const std::string& text, std::int64_t& out) {
    if (text.empty() || text.size() > 18) return false;
    std::int64_t v = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    out = v;
    return true;
  }

  adapters::DialectRequest request(std::vector<std::int64_t> ids, std::string body) const {
    adapters::DialectRequest r;
    r.http.url = url_;
    r.http.headers = headers_;
    r.http.body = std::move(body);
    r.ids = std::move(ids);
    return r;
  }

  std::string url_;
  std::vector<std::string> headers_;
  std::size_t batch_ = 1;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::vector<std::string> validate(const config::CarrierConfig& carrier) {
  std::vector<std::string> problems;
  const auto& options = carrier.options;
  for (const auto& [key, node] : options) {
    const std::string_view name = key.str();
    if (name != "url" && name != "headers" && name != "auth_token" && name != "batch" &&
        name != "max_requests") {
      problems.push_back(config::describe(carrier, &node, name,
                                          "unknown key for an http carrier (known: url, "
                                          "headers, auth_token, batch, max_requests)"));
    }
  }
  adapters::int_option(carrier, "batch", 1, 1, kMaxBatch, problems);
  adapters::int_option(carrier, "max_requests", 64, 1, kMaxRequests, problems);

  const toml::node* url = options.get("url");
  if (url == nullptr) {
    problems.push_back(config::describe(carrier, nullptr, "url", "is required"));
  } else if (!url->is_string()) {
    problems.push_back(config::describe(carrier, url, "url", "must be a string"));
  } else if (!adapters::is_http_url(url->as_string()->get())) {
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
  adapters::HttpCarrierOptions options;
  options.max_requests =
      static_cast<std::size_t>(context.config.options["max_requests"].value_or(std::int64_t{64}));
  return adapters::make_http_carrier(context, std::make_unique<GenericDialect>(context.config),
                                     options);
}

adapters::Registry::Factory factory() { return {&validate, &create}; }

}  // namespace smsgw::adapters::http
