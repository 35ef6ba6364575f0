// normalize_phone and mask_phone on arbitrary bytes: the E.164 form is a fixed point of
// normalisation, the cache of mainland blocks' number types answers as libphonenumber does,
// classify_phone takes anything, and the mask keeps the length, is idempotent and never shows
// more than the first 3 and the last 4 digits.

#include "common/phone.hpp"
#include "fuzz_check.hpp"

using namespace smsgw;

namespace {

// '+' and 7 to 15 digits: libphonenumber's shortest valid mobiles have 7 (Tokelau, +690 7290).
bool is_e164(std::string_view s) {
  if (s.size() < 8 || s.size() > 16 || s[0] != '+' || s[1] == '0') return false;
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
  // At most 3 + 4 digits stay visible, whatever the length (the "+86" of a Chinese number is
  // not the subscriber's and stays). Separators are copied, so a count of stars proves nothing.
  const std::size_t from = phone.starts_with("+86") ? 3 : 0;
  std::size_t shown_digits = 0;
  for (std::size_t i = from; i < masked.size(); ++i) shown_digits += masked[i] >= '0' && masked[i] <= '9';
  FUZZ_CHECK(shown_digits <= 7);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  check_mask(input);
  const PhoneResult r = normalize_phone(input);
  const PhoneResult reference = normalize_phone_uncached(input);
  FUZZ_CHECK(r.e164 == reference.e164);
  FUZZ_CHECK(r.error == reference.error);
  const PhoneClass any = classify_phone(input);
  FUZZ_CHECK(any.region.empty() || any.region.size() == 2);
  if (!r.ok()) {
    FUZZ_CHECK(r.e164.empty());
    return 0;
  }
  FUZZ_CHECK(is_e164(r.e164));
  const PhoneResult again = normalize_phone(r.e164);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again.e164 == r.e164);
  check_mask(r.e164);
  const PhoneClass k = classify_phone(r.e164);
  if (r.e164.starts_with("+86")) FUZZ_CHECK(k.region == "CN");
  FUZZ_CHECK(k.cn_operator == CnOperator::unknown || k.region == "CN");
  // The log form keeps at most the first 3 and the last 4 digits of the number (after +86 for a
  // Chinese one: "+86138****8000") and hides at least 4 of them.
  const std::string masked = mask_phone(r.e164);
  const std::size_t start = r.e164.starts_with("+86") ? 3 : 1;
  const std::string_view digits = std::string_view(r.e164).substr(start);
  const std::string_view shown = std::string_view(masked).substr(start);
  std::size_t visible = 0;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    if (shown[i] == '*') continue;
    ++visible;
    FUZZ_CHECK(i < 3 || i + 4 >= digits.size());
  }
  FUZZ_CHECK(visible <= 7);
  FUZZ_CHECK(digits.size() - visible >= std::min<std::size_t>(4, digits.size()));
  if (start == 3) FUZZ_CHECK(masked == r.e164.substr(0, 6) + "****" + r.e164.substr(10));
  return 0;
}
