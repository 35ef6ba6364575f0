// schedule::parse_spec on arbitrary JSON (the POST/PUT /v1/schedules body and the stored
// document): it never throws; it returns a Spec with no errors or errors with no Spec; an
// accepted Spec survives the store round trip: to_json then parse_spec gives the same JSON.

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "schedule/rule.hpp"

using namespace smsgw;

namespace {

const TimeZone& zone() {
  static const TimeZone tz = TimeZone::load("Asia/Shanghai").value_or(TimeZone::utc());
  return tz;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json doc = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, false);
  if (doc.is_discarded()) return 0;
  try {
    std::vector<FieldError> errors;
    const auto spec = schedule::parse_spec(doc, zone(), errors);
    if (!spec) {
      FUZZ_CHECK(!errors.empty());
      for (const auto& e : errors) FUZZ_CHECK(!e.field.empty() && !e.message.empty());
      return 0;
    }
    FUZZ_CHECK(errors.empty());
    FUZZ_CHECK(!spec->groups.empty() || !spec->to.empty());
    FUZZ_CHECK(!spec->template_name.empty());
    const nlohmann::json stored = schedule::to_json(*spec, zone());
    std::vector<FieldError> again_errors;
    const auto again = schedule::parse_spec(stored, zone(), again_errors);
    if (!again)
      FUZZ_FAIL("stored form " + stored.dump() + " is refused: " + again_errors[0].field + " " +
                again_errors[0].message);
    const nlohmann::json again_stored = schedule::to_json(*again, zone());
    if (again_stored != stored) FUZZ_FAIL(stored.dump() + " != " + again_stored.dump());
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("threw: ") + e.what());
  }
  return 0;
}
