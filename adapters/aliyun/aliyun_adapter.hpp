#pragma once
// `aliyun`: Alibaba Cloud SMS, dysmsapi 2017-05-25 (reference notes §3; docs/carriers.md). A
// dialect of the shared HTTP engine that sends only approved templates:
//   SendSms       one template with the same params to up to `batch` (<= 1,000) numbers
//   SendBatchSms  one template with per-number params, up to 100 numbers
// signed with V3 (ACS3-HMAC-SHA256, the default) or the older RPC HMAC-SHA1. OutId is the
// request's first smsgw message id and is the carrier batch id: Aliyun's receipts (SmsReport)
// name it with the number. Aliyun has no idempotency, so after a timeout or isp.SYSTEM_ERROR
// the dialect asks QuerySendDetails whether the send happened before reporting a failure.

#include <memory>
#include <string>
#include <vector>

#include "adapters/core/contract.hpp"
#include "adapters/core/registry.hpp"

namespace smsgw::adapters::aliyun {

std::vector<std::string> validate(const config::CarrierConfig& carrier);
std::unique_ptr<adapters::Adapter> create(const adapters::AdapterContext& context);
adapters::Registry::Factory factory();

// How an API Code is handled (exposed for tests and docs/carriers.md's table).
struct Classified {
  std::error_code error;  // empty: "OK"
  std::optional<std::chrono::milliseconds> retry_after;
};
Classified classify(std::string_view code, std::string_view message, UnixMs now);

}  // namespace smsgw::adapters::aliyun
