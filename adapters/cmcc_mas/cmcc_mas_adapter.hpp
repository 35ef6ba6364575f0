#pragma once
// `cmcc-mas`: China Mobile 云MAS over HTTP (reference notes §2; docs/carriers.md). A dialect of
// the shared HTTP engine:
//   text      POST <endpoint>/norsubmit, body Base64(JSON {ecName, apId, mobiles, content, sign,
//             addSerial, mac}), mac = MD5(ecName apId secretKey mobiles content sign addSerial)
//   template  POST <endpoint>/tmpsubmit with templateId and params (a JSON array as a string),
//             mac = MD5(ecName apId secretKey templateId mobiles params sign addSerial)
// One request carries up to `batch` numbers (at most 5,000) with the same content; the answer
// {"rspcod", "msgGroup", "success"} applies to all of them and msgGroup is the carrier batch id
// its status reports name with the number. The platform signs with the registered `sign` code,
// so the text goes without [sms] signature.

#include <memory>
#include <string>
#include <vector>

#include "adapters/core/contract.hpp"
#include "adapters/core/registry.hpp"

namespace smsgw::adapters::cmcc_mas {

// MD5 over the concatenation, lowercase hex (exposed for the unit test of the notes' example).
std::string mac(const std::vector<std::string>& parts);

std::vector<std::string> validate(const config::CarrierConfig& carrier);
std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context);
adapters::Registry::Factory factory();

}  // namespace smsgw::adapters::cmcc_mas
