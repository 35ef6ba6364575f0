// The cloud carriers' parse_callback on arbitrary bodies: the first byte picks aliyun
// (SmsReport / SmsUp arrays) or tencent (status / reply arrays). Neither ever throws, and each
// returns either an error and nothing (with its own error answer), or reports that name a
// usable carrier reference and an E.164 number, with bounded errors.

#include <boost/asio/io_context.hpp>

#include "adapters/aliyun/aliyun_adapter.hpp"
#include "adapters/core/curl_multi.hpp"
#include "adapters/tencent/tencent_adapter.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

namespace {

boost::asio::io_context& io() {
  static boost::asio::io_context context;
  return context;
}
adapters::CurlMulti& curl() {
  static adapters::CurlMulti multi{io()};
  return multi;
}

config::CarrierConfig carrier(const char* type, const char* options) {
  config::CarrierConfig c;
  c.name = type;
  c.type = type;
  c.options = toml::parse(options);
  return c;
}

adapters::Adapter& aliyun() {
  static config::CarrierConfig config =
      carrier("aliyun", "access_key_id = \"i\"\naccess_key_secret = \"s\"\nsign_name = \"n\"\n");
  static auto a = adapters::aliyun::create({io(), curl(), config});
  return *a;
}

adapters::Adapter& tencent() {
  static config::CarrierConfig config = carrier(
      "tencent", "secret_id = \"i\"\nsecret_key = \"s\"\nsdk_app_id = \"1\"\nsign_name = \"n\"\n");
  static auto a = adapters::tencent::create({io(), curl(), config});
  return *a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& adapter = data[0] % 2 == 0 ? aliyun() : tencent();
  adapters::CallbackRequest request{"application/json", std::string(fuzz::as_text(data + 1, size - 1)), {}};
  adapters::CallbackParse parsed;
  try {
    parsed = adapter.parse_callback(request);
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("parse_callback threw: ") + e.what());
  }
  if (!parsed.error.empty()) {
    FUZZ_CHECK(parsed.reports.empty() && parsed.inbound.empty());
    FUZZ_CHECK(parsed.answer.status == 400 && !parsed.answer.body.empty());
  }
  FUZZ_CHECK(parsed.reports.size() + parsed.inbound.size() <= adapters::kMaxReportsPerCallback);
  for (const auto& r : parsed.reports) {
    FUZZ_CHECK(adapters::valid_carrier_message_id(r.carrier_id.empty() ? r.carrier_batch_id : r.carrier_id));
    FUZZ_CHECK(r.number.size() >= 9 && r.number[0] == '+');
    FUZZ_CHECK(r.error.size() <= adapters::kMaxReportError);
  }
  for (const auto& in : parsed.inbound) FUZZ_CHECK(in.from.size() >= 9 && in.from[0] == '+');
  return 0;
}
