#pragma once
// Carrier template mappings ([carriers.templates.<name>], SPEC.md), parsed once per config: for
// each smsgw template, the carriers that send it as an approved template of their own, and how
// to fill its variables. A send renders every mapping for each recipient at acceptance and
// stores the calls with the message (store::NewMessage::carrier_calls), so what a carrier sends
// is fixed when the message is accepted, like its text.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "templates/template.hpp"

namespace smsgw::sending {

struct CarrierCall {
  std::string carrier;
  std::string code;
  bool named = false;
  std::vector<std::pair<std::string, templates::Parsed>> params;  // each parsed (config-checked)
  bool per_recipient = false;  // uses name, title or unit
};

struct TemplateMappings {
  std::map<std::string, std::vector<CarrierCall>> by_template;
  const std::vector<CarrierCall>* find(const std::string& template_name) const;
};

std::shared_ptr<const TemplateMappings> build_template_mappings(
    const std::vector<config::CarrierConfig>& carriers);

// The stored form of a message's calls: {"<carrier>": {"code": "...", "params": [...] | {...}}}.
// `values[i][j]` is the rendered value of calls[i].params[j].
std::string encode_calls(const std::vector<CarrierCall>& calls,
                         const std::vector<std::vector<std::string>>& values);

// One decoded call, as the dispatcher hands it to an adapter.
struct DecodedCall {
  std::string code;
  bool named = false;
  std::vector<std::pair<std::string, std::string>> params;
};
// nullopt when `stored` has no call for `carrier` (or is not what encode_calls writes).
std::optional<DecodedCall> decode_call(const std::string& stored, const std::string& carrier);
// Every call of `stored`, by carrier name (one parse: the dispatcher decodes each message once).
std::vector<std::pair<std::string, DecodedCall>> decode_calls(const std::string& stored);

}  // namespace smsgw::sending
