// templates::parse_template_file on arbitrary text: it never throws; it returns a file or
// problems, each one printable line "fuzz.toml:LINE: ..." with LINE inside the text; an
// accepted file has a valid name and a body that validates against its params.

#include "fuzz_check.hpp"
#include "templates/template.hpp"
#include "templates/template_file.hpp"

using namespace smsgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const std::string source = "fuzz.toml";
  templates::LoadedTemplateFile loaded;
  try {
    loaded = templates::parse_template_file(text, source);
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("parse_template_file threw: ") + e.what());
  }
  if (loaded.ok()) {
    FUZZ_CHECK(loaded.file.has_value());
    const templates::TemplateFile& f = *loaded.file;
    FUZZ_CHECK(!f.name.empty() && f.name.size() <= 64);
    const auto problems = templates::validate(f.body, f.params);
    if (!problems.empty()) FUZZ_FAIL("accepted a body that does not validate: " + problems[0]);
    return 0;
  }
  FUZZ_CHECK(!loaded.file.has_value());
  const std::size_t lines = fuzz::count_lines(text);
  for (const std::string& p : loaded.problems) {
    FUZZ_CHECK(p.starts_with(source + ":"));
    if (!fuzz::printable_line(p)) FUZZ_FAIL("control characters in: " + p);
    if (fuzz::line_of_problem(p, source) > lines) FUZZ_FAIL("problem past the last line: " + p);
  }
  return 0;
}
