// api::validate_send on arbitrary JSON objects (the POST /v1/messages body): it never throws,
// and either accepts (no errors, empty detail) a request with recipients, exactly one of text
// or template, unique E.164 numbers and a text within the limits, or returns field errors
// with a detail.

#include <nlohmann/json.hpp>
#include <set>

#include "api/send.hpp"
#include "common/phone.hpp"
#include "common/sms_encoding.hpp"
#include "common/time.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json doc = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return 0;  // the router answers those itself

  config::LimitsConfig limits;
  limits.max_recipients_per_request = 50;
  limits.max_text_chars = 70;
  const UnixMs now = *parse_rfc3339("2026-11-26T09:30:00+08:00");
  api::SendRequest out;
  std::vector<FieldError> errors;
  std::string detail;
  try {
    detail = api::validate_send(doc, limits, now, out, errors);
  } catch (const std::exception& e) {
    FUZZ_FAIL(std::string("validate_send threw: ") + e.what());
  }
  if (!errors.empty()) {
    FUZZ_CHECK(!detail.empty());
    for (const auto& e : errors) FUZZ_CHECK(!e.message.empty());
    return 0;
  }
  FUZZ_CHECK(detail.empty());
  FUZZ_CHECK(!out.to.empty() || !out.groups.empty());
  FUZZ_CHECK(out.to.size() <= limits.max_recipients_per_request);
  std::set<std::string> seen;
  for (const auto& to : out.to) {
    const PhoneResult p = normalize_phone(to);
    FUZZ_CHECK(p.ok() && p.e164 == to);
    FUZZ_CHECK(seen.insert(to).second);
  }
  std::set<std::string> groups(out.groups.begin(), out.groups.end());
  FUZZ_CHECK(groups.size() == out.groups.size());
  for (const auto& g : out.groups) FUZZ_CHECK(!g.empty());
  FUZZ_CHECK(out.text.empty() != !out.template_name.has_value());
  if (!out.text.empty())
    FUZZ_CHECK(static_cast<std::size_t>(measure_sms(out.text).chars) <= limits.max_text_chars);
  if (!out.template_name) FUZZ_CHECK(out.params.empty());
  if (out.expires_at) {
    FUZZ_CHECK(*out.expires_at > now);
    if (out.send_at) FUZZ_CHECK(*out.expires_at > *out.send_at);
  }
  return 0;
}
