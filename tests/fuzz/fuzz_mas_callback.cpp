// The cmcc-mas adapter's parse_callback on arbitrary bodies (云MAS status-report and up-link
// pushes, JSON or Base64 JSON): it never throws, and returns either an error and nothing, or
// reports that name a usable msgGroup and an E.164 number.

#include <boost/asio/io_context.hpp>

#include "adapters/cmcc_mas/cmcc_mas_adapter.hpp"
#include "adapters/core/curl_multi.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

namespace {

adapters::Adapter& adapter() {
  static boost::asio::io_context io;
  static adapters::CurlMulti curl{io};
  static config::CarrierConfig config = [] {
    config::CarrierConfig c;
    c.name = "mas";
    c.type = "cmcc-mas";
    c.options = toml::parse(
        "endpoint = \"http://127.0.0.1:9/sms\"\nec_name = \"e\"\nap_id = \"a\"\n"
        "secret_key = \"s\"\nsign = \"g\"\n");
    return c;
  }();
  static auto a = adapters::cmcc_mas::create({io, curl, config});
  return *a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  adapters::CallbackRequest request{"application/json", std::string(fuzz::as_text(data, size)), {}};
  adapters::CallbackParse parsed;
  try {
    parsed = adapter().parse_callback(request);
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("parse_callback threw: ") + e.what());
  }
  if (!parsed.error.empty()) FUZZ_CHECK(parsed.reports.empty() && parsed.inbound.empty());
  FUZZ_CHECK(parsed.reports.size() + parsed.inbound.size() <= adapters::kMaxReportsPerCallback);
  for (const auto& r : parsed.reports) {
    FUZZ_CHECK(adapters::valid_carrier_message_id(r.carrier_batch_id));
    FUZZ_CHECK(r.number.size() >= 9 && r.number[0] == '+');
    FUZZ_CHECK(r.error.size() <= adapters::kMaxReportError);
  }
  return 0;
}
