// adapters::parse_generic_callback on arbitrary bodies (POST /v1/callbacks/{carrier}): it never
// throws and returns either a report with a carrier message id or an error to answer 400 with.

#include "adapters/core/contract.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  adapters::CallbackRequest request{"application/json", std::string(fuzz::as_text(data, size))};
  adapters::CallbackParse parsed;
  try {
    parsed = adapters::parse_generic_callback(request);
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("parse_generic_callback threw: ") + e.what());
  }
  FUZZ_CHECK(parsed.report.has_value() == parsed.error.empty());
  if (parsed.report) {
    FUZZ_CHECK(!parsed.report->carrier_message_id.empty());
  }
  return 0;
}
