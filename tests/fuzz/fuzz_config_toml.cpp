// config::load_config_string on arbitrary text: it returns a Config or throws ConfigError, and
// nothing else; every problem is one printable line "fuzz.toml:LINE: ..." with LINE inside the
// text, or names the file alone for whole-file problems.

#include "config/config.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const std::string source = "fuzz.toml";
  try {
    const config::Config c = config::load_config_string(text, source);
    FUZZ_CHECK(c.limits.max_recipients_per_request > 0);
  } catch (const config::ConfigError& e) {
    FUZZ_CHECK(!e.problems().empty());
    const std::size_t lines = fuzz::count_lines(text);
    for (const std::string& p : e.problems()) {
      FUZZ_CHECK(p.starts_with(source + ":"));
      if (!fuzz::printable_line(p)) FUZZ_FAIL("control characters in: " + p);
      if (fuzz::line_of_problem(p, source) > lines) FUZZ_FAIL("problem past the last line: " + p);
    }
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("not a ConfigError: ") + e.what());
  }
  return 0;
}
