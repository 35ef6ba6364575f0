#pragma once
// `tencent`: Tencent Cloud SMS, API 2021-01-11 (reference notes §4; docs/carriers.md). A dialect
// of the shared HTTP engine that sends only approved templates: SendSms carries one template
// and one parameter list to up to 200 numbers (all mainland or all international), signed with
// TC3-HMAC-SHA256. Every number gets its own Code and SerialNo in SendStatusSet: the SerialNo
// is the carrier id that status callbacks (`sid`) and PullSmsSendStatus name.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/core/contract.hpp"
#include "adapters/core/registry.hpp"

namespace smsgw::adapters::tencent {

std::vector<std::string> validate(const config::CarrierConfig& carrier);
std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context);
adapters::Registry::Factory factory();

// How a Code (per number or for the whole call) is handled; exposed for tests and the docs.
struct Classified {
  std::error_code error;  // empty: "Ok"
  std::optional<std::chrono::milliseconds> retry_after;
};
Classified classify(std::string_view code, UnixMs now);

}  // namespace smsgw::adapters::tencent
