// adapters::parse_generic_callback on arbitrary bodies (POST /v1/callbacks/{carrier}): it never
// throws and returns either reports (one object or an array) with carrier message ids, or an
// error to answer 400 with.

#include "adapters/core/contract.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  adapters::CallbackRequest request{"application/json", std::string(fuzz::as_text(data, size)), {}};
  adapters::CallbackParse parsed;
  try {
    parsed = adapters::parse_generic_callback(request);
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("parse_generic_callback threw: ") + e.what());
  }
  // Either an error and no reports, or 1..kMaxReportsPerCallback usable reports.
  FUZZ_CHECK(parsed.reports.empty() == !parsed.error.empty());
  FUZZ_CHECK(parsed.reports.size() <= adapters::kMaxReportsPerCallback);
  for (const auto& report : parsed.reports) {
    FUZZ_CHECK(adapters::valid_carrier_message_id(report.carrier_id));
    FUZZ_CHECK(report.error.size() <= adapters::kMaxReportError);
  }
  return 0;
}
