#include "adapters/core/contract.hpp"

#include <nlohmann/json.hpp>

#include "common/json_limits.hpp"

namespace smsgw::adapters {

// The core calls it only when report_poll_after() is positive, which an adapter without it
// never returns.
void Adapter::poll_reports(std::vector<ReportQuery> /*queries*/, PollHandler done) { done({}); }

CallbackParse Adapter::parse_callback(const CallbackRequest& request) const {
  return parse_generic_callback(request);
}

bool valid_carrier_message_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxCarrierMessageId) return false;
  for (const char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string bounded_report_error(std::string_view error) {
  std::string out;
  out.reserve(std::min(error.size(), kMaxReportError));
  std::size_t i = 0;
  while (i < error.size()) {
    const auto lead = static_cast<unsigned char>(error[i]);
    std::size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3
                                      : (lead >> 3) == 0x1E ? 4 : 1;
    if (i + len > error.size()) len = 1;
    if (out.size() + len > kMaxReportError) break;  // never cut a character in half
    if (lead < 0x20 || lead == 0x7f) {
      out += ' ';  // a carrier's control characters must not reach logs or terminals
    } else if (len == 1 && lead >= 0x80) {
      out += '?';  // a stray byte that is not UTF-8
    } else {
      out.append(error.substr(i, len));
    }
    i += len;
  }
  return out;
}

namespace {

// One report object; returns the problem, or "" with `out` filled.
std::string parse_generic_report(const nlohmann::json& json, Report& out) {
  if (!json.is_object()) return "a report must be a JSON object";
  const auto id = json.find("message_id");
  if (id == json.end()) return "\"message_id\" is required";
  if (!id->is_string() || !valid_carrier_message_id(id->get_ref<const std::string&>())) {
    return "\"message_id\" must be a string of 1 to " + std::to_string(kMaxCarrierMessageId) +
           " printable ASCII characters";
  }
  const auto status = json.find("status");
  if (status == json.end()) return "\"status\" is required";
  const std::string* status_text =
      status->is_string() ? &status->get_ref<const std::string&>() : nullptr;
  if (status_text == nullptr || (*status_text != "delivered" && *status_text != "failed")) {
    return "\"status\" must be \"delivered\" or \"failed\"";
  }
  out.carrier_id = id->get<std::string>();
  out.state = *status_text == "delivered" ? Report::State::delivered : Report::State::failed;
  const auto error = json.find("error");
  if (error != json.end() && !error->is_null()) {
    if (!error->is_string()) return "\"error\" must be a string";
    out.error = bounded_report_error(error->get_ref<const std::string&>());
  }
  return {};
}

}  // namespace

CallbackParse parse_generic_callback(const CallbackRequest& request) {
  CallbackParse result;
  // No exceptions escape: the body comes from the network. A report is a small object; an
  // array holds at most kMaxReportsPerCallback of them.
  const JsonParse parsed =
      parse_json(request.body, JsonLimits{8, 8 * kMaxReportsPerCallback + 16});
  if (!parsed.ok()) {
    result.error = parsed.describe("body");
    return result;
  }
  const auto& json = parsed.value;
  if (json.is_array()) {
    if (json.empty() || json.size() > kMaxReportsPerCallback) {
      result.error = "an array of reports must hold 1 to " +
                     std::to_string(kMaxReportsPerCallback) + " reports";
      return result;
    }
    result.reports.reserve(json.size());
    for (std::size_t i = 0; i < json.size(); ++i) {
      Report report;
      if (auto problem = parse_generic_report(json[i], report); !problem.empty()) {
        result.error = "report " + std::to_string(i) + ": " + problem;
        result.reports.clear();
        return result;
      }
      result.reports.push_back(std::move(report));
    }
    return result;
  }
  if (!json.is_object()) {
    result.error = "body must be a JSON object or an array of them";
    return result;
  }
  Report report;
  result.error = parse_generic_report(json, report);
  if (result.error.empty()) result.reports.push_back(std::move(report));
  return result;
}

}  // namespace smsgw::adapters
