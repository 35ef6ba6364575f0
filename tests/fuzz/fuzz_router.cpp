// The whole Router::handle on a real store: up to eight requests per input, written as text
// (router_fixture.hpp), from a database with one of everything. Every answer comes exactly
// once and is well formed (check_response): no input makes a handler throw, a write fail or a
// body leave as something other than JSON or problem+json.

#include "router_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static smsgw::fuzz::RouterFixture fixture;
  const auto requests = smsgw::fuzz::parse_requests(smsgw::fuzz::as_text(data, size), 8);
  if (!requests.empty()) fixture.run(requests);
  return 0;
}
