// templates::parse and render on arbitrary bodies: parse errors point inside the body; a parsed
// template renders without throwing; every required name is reported when no value is given,
// none when every name has one (unless a filter rejected a value); rendering UTF-8 with UTF-8
// values gives UTF-8; and a body always validates against the params inferred from it.

#include <algorithm>
#include <set>

#include "common/utf8.hpp"
#include "fuzz_check.hpp"
#include "templates/template.hpp"

using namespace smsgw;
using namespace smsgw::templates;

namespace {

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const Utf8Char c = decode_utf8(s, i);
    if (!c.valid) return false;
    i += c.length;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::as_text(data, size);
  Parsed p;
  try {
    p = parse(body);
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("parse threw: ") + e.what());
  }
  if (!p.ok()) {
    FUZZ_CHECK(p.tmpl == nullptr);
    const ParseError& e = *p.error;
    FUZZ_CHECK(e.offset <= body.size());
    FUZZ_CHECK(e.line >= 1 && static_cast<std::size_t>(e.line) <= fuzz::count_lines(body));
    FUZZ_CHECK(e.column >= 1 && static_cast<std::size_t>(e.column) <= body.size() + 1);
    FUZZ_CHECK(!e.message.empty());
    FUZZ_CHECK(!validate(body, {}).empty());
    return 0;
  }
  FUZZ_CHECK(p.tmpl != nullptr);
  const Template& t = *p.tmpl;
  const std::vector<std::string> names = placeholders(t);
  const std::vector<std::string> required = required_placeholders(t);
  const std::set<std::string> name_set(names.begin(), names.end());
  FUZZ_CHECK(name_set.size() == names.size());
  for (const auto& r : required) FUZZ_CHECK(name_set.count(r) == 1);

  try {
    const Rendered none = render(t, [](std::string_view) { return std::nullopt; });
    for (const auto& r : required)
      FUZZ_CHECK(std::find(none.missing.begin(), none.missing.end(), r) != none.missing.end());

    // A date, so that date_cn accepts every looked-up value.
    const Rendered all =
        render(t, [](std::string_view) -> std::optional<std::string> { return "2026-11-26"; });
    if (all.invalid.empty()) FUZZ_CHECK(all.missing.empty());
    if (all.ok() && valid_utf8(body)) FUZZ_CHECK(valid_utf8(all.text));

    // Values holding template syntax are output as they are, never parsed again.
    const Rendered braces =
        render(t, [](std::string_view) -> std::optional<std::string> { return "{{x}}"; });
    (void)braces;

    const std::vector<std::string> problems = validate(body, infer_params(t));
    if (!problems.empty()) FUZZ_FAIL("does not validate against its inferred params: " + problems[0]);
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("render/validate threw: ") + e.what());
  }
  return 0;
}
