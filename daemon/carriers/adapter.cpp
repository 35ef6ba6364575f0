#include "carriers/adapter.hpp"

#include <nlohmann/json.hpp>

namespace smsgw::carriers {

CallbackParse Adapter::parse_callback(const CallbackRequest& request) const {
  return parse_generic_callback(request);
}

CallbackParse parse_generic_callback(const CallbackRequest& request) {
  CallbackParse result;
  // No exceptions escape: the body comes from the network.
  const auto json = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    result.error = "body is not valid JSON";
    return result;
  }
  if (!json.is_object()) {
    result.error = "body must be a JSON object";
    return result;
  }

  const auto id = json.find("message_id");
  if (id == json.end()) {
    result.error = "\"message_id\" is required";
    return result;
  }
  if (!id->is_string() || id->get_ref<const std::string&>().empty()) {
    result.error = "\"message_id\" must be a non-empty string";
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
    report.error = error->get<std::string>();
  }
  result.report = std::move(report);
  return result;
}

}  // namespace smsgw::carriers
