#include "adapters/core/contract.hpp"

#include <nlohmann/json.hpp>

#include "common/json_limits.hpp"

namespace smsgw::adapters {

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

CallbackParse parse_generic_callback(const CallbackRequest& request) {
  CallbackParse result;
  // No exceptions escape: the body comes from the network. A report is a small object.
  const JsonParse parsed = parse_json(request.body, JsonLimits{8, 1'000});
  if (!parsed.ok()) {
    result.error = parsed.describe("body");
    return result;
  }
  const auto& json = parsed.value;
  if (!json.is_object()) {
    result.error = "body must be a JSON object";
    return result;
  }

  const auto id = json.find("message_id");
  if (id == json.end()) {
    result.error = "\"message_id\" is required";
    return result;
  }
  if (!id->is_string() || !valid_carrier_message_id(id->get_ref<const std::string&>())) {
    result.error = "\"message_id\" must be a string of 1 to " +
                   std::to_string(kMaxCarrierMessageId) + " printable ASCII characters";
    return result;
  }

  const auto status = json.find("status");
  if (status == json.end()) {
    result.error = "\"status\" is required";
    return result;
  }
  if (!status->is_string()) {
    result.error = "\"status\" must be \"delivered\" or \"failed\"";
    return result;
  }
  const auto& status_text = status->get_ref<const std::string&>();
  if (status_text != "delivered" && status_text != "failed") {
    result.error = "\"status\" must be \"delivered\" or \"failed\"";
    return result;
  }

  CallbackReport report;
  report.carrier_message_id = id->get<std::string>();
  report.delivered = status_text == "delivered";

  const auto error = json.find("error");
  if (error != json.end() && !error->is_null()) {
    if (!error->is_string()) {
      result.error = "\"error\" must be a string";
      return result;
    }
    report.error = bounded_report_error(error->get_ref<const std::string&>());
  }
  result.report = std::move(report);
  return result;
}

}  // namespace smsgw::adapters
