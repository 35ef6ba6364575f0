// parse_rfc3339 on arbitrary text: an accepted instant formats to RFC 3339 that parses back to
// the same instant, and formatting is stable (format(parse(format(t))) == format(t)).

#include "common/time.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const std::optional<UnixMs> t = parse_rfc3339(input);
  if (!t) return 0;
  const std::string formatted = format_rfc3339(*t);
  const std::optional<UnixMs> back = parse_rfc3339(formatted);
  if (!back) FUZZ_FAIL("format_rfc3339 gave \"" + formatted + "\", which does not parse");
  FUZZ_CHECK(*back == *t);
  FUZZ_CHECK(format_rfc3339(*back) == formatted);
  return 0;
}
