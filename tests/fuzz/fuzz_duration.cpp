// parse_duration on arbitrary text: an accepted duration is never negative, and its shortest
// form (format_duration) parses back to the same number of milliseconds.

#include "common/duration.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const auto d = parse_duration(input);
  if (!d) return 0;
  FUZZ_CHECK(d->count() >= 0);
  const std::string formatted = format_duration(*d);
  const auto back = parse_duration(formatted);
  if (!back) FUZZ_FAIL("format_duration gave \"" + formatted + "\", which does not parse");
  FUZZ_CHECK(*back == *d);
  return 0;
}
