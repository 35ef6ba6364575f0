#include "sending/mappings.hpp"

#include <nlohmann/json.hpp>

#include "sending/fanout.hpp"

namespace smsgw::sending {

using json = nlohmann::json;

const std::vector<CarrierCall>* TemplateMappings::find(const std::string& template_name) const {
  auto it = by_template.find(template_name);
  return it == by_template.end() ? nullptr : &it->second;
}

std::shared_ptr<const TemplateMappings> build_template_mappings(
    const std::vector<config::CarrierConfig>& carriers) {
  auto out = std::make_shared<TemplateMappings>();
  for (const auto& c : carriers) {
    for (const auto& [name, mapping] : c.templates) {
      CarrierCall call;
      call.carrier = c.name;
      call.code = mapping.code;
      call.named = mapping.named;
      for (const auto& [param, expression] : mapping.params) {
        templates::Parsed parsed = templates::parse(expression);
        if (!parsed.ok()) continue;  // the config loader refused it already
        call.per_recipient = call.per_recipient || uses_recipient_fields(*parsed.tmpl);
        call.params.emplace_back(param, std::move(parsed));
      }
      out->by_template[name].push_back(std::move(call));
    }
  }
  return out;
}

std::string encode_calls(const std::vector<CarrierCall>& calls,
                         const std::vector<std::vector<std::string>>& values) {
  json out = json::object();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const auto& call = calls[i];
    json params = call.named ? json::object() : json::array();
    for (std::size_t j = 0; j < call.params.size(); ++j) {
      if (call.named) {
        params[call.params[j].first] = values[i][j];
      } else {
        params.push_back(values[i][j]);
      }
    }
    out[call.carrier] = {{"code", call.code}, {"params", std::move(params)}};
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

std::optional<DecodedCall> decode_one(const json::const_iterator& it);

}  // namespace

std::vector<std::pair<std::string, DecodedCall>> decode_calls(const std::string& stored) {
  std::vector<std::pair<std::string, DecodedCall>> out;
  if (stored.empty()) return out;
  const json doc = json::parse(stored, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return out;
  for (auto it = doc.cbegin(); it != doc.cend(); ++it) {
    if (auto call = decode_one(it)) out.emplace_back(it.key(), std::move(*call));
  }
  return out;
}

std::optional<DecodedCall> decode_call(const std::string& stored, const std::string& carrier) {
  if (stored.empty()) return std::nullopt;
  const json doc = json::parse(stored, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  auto it = doc.find(carrier);
  if (it == doc.end()) return std::nullopt;
  return decode_one(it);
}

namespace {

std::optional<DecodedCall> decode_one(const json::const_iterator& it) {
  if (!it->is_object()) return std::nullopt;
  auto code = it->find("code");
  auto params = it->find("params");
  if (code == it->end() || !code->is_string() || params == it->end()) return std::nullopt;
  DecodedCall out;
  out.code = code->get<std::string>();
  if (params->is_object()) {
    out.named = true;
    for (const auto& [k, v] : params->items()) {
      out.params.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    }
  } else if (params->is_array()) {
    for (const auto& v : *params) out.params.emplace_back("", v.is_string() ? v.get<std::string>() : v.dump());
  } else {
    return std::nullopt;
  }
  return out;
}

}  // namespace

}  // namespace smsgw::sending
