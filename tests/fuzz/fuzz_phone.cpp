// normalize_phone and mask_phone on arbitrary bytes: the E.164 form is a fixed point of
// normalisation, and the mask keeps the length, is idempotent and never shows more than the
// last four characters of a full number.

#include "common/phone.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

namespace {

bool is_e164(std::string_view s) {
  if (s.size() < 9 || s.size() > 16 || s[0] != '+' || s[1] == '0') return false;
  for (char c : s.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

void check_mask(std::string_view phone) {
  const std::string masked = mask_phone(phone);
  FUZZ_CHECK(masked.size() == phone.size());
  FUZZ_CHECK(mask_phone(masked) == masked);
  // Whatever is not masked is the original character in place.
  for (std::size_t i = 0; i < masked.size(); ++i) FUZZ_CHECK(masked[i] == '*' || masked[i] == phone[i]);
  if (phone.size() >= 11) {
    std::size_t stars = 0;
    for (char c : masked) stars += c == '*';
    FUZZ_CHECK(stars >= 4);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  check_mask(input);
  const PhoneResult r = normalize_phone(input);
  if (!r.ok()) {
    FUZZ_CHECK(r.e164.empty());
    return 0;
  }
  FUZZ_CHECK(is_e164(r.e164));
  const PhoneResult again = normalize_phone(r.e164);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again.e164 == r.e164);
  check_mask(r.e164);
  // A full number's log form hides the four digits before the last four ("+86138****8000");
  // a shorter one shows only its last two.
  const std::string masked = mask_phone(r.e164);
  if (r.e164.size() >= 11) {
    FUZZ_CHECK(masked.substr(masked.size() - 4) == r.e164.substr(r.e164.size() - 4));
    FUZZ_CHECK(masked.substr(masked.size() - 8, 4) == "****");
  } else {
    FUZZ_CHECK(masked.substr(1, masked.size() - 3) == std::string(masked.size() - 3, '*'));
  }
  return 0;
}
