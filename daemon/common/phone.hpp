#pragma once
// Phone numbers: normalisation to E.164 and masking for logs.

#include <string>
#include <string_view>

namespace smsgw {

struct PhoneResult {
  std::string e164;   // "+8613800138000" when ok
  std::string error;  // human-readable reason when not ok, e.g. "not a valid mobile number"
  bool ok() const noexcept { return error.empty(); }
};

// Accepts Chinese mobiles 1[3-9]xxxxxxxxx with or without +86 / 86 / 0086, with spaces, dashes,
// dots and parentheses anywhere; and other E.164 numbers given with a leading '+' or '00'
// (8 to 15 digits, country code not starting with 0). Full-width digits and '＋' are accepted
// because Chinese IMEs produce them. Everything else is rejected with a reason.
PhoneResult normalize_phone(std::string_view input);

// "+8613800138000" -> "+86138****8000"; anything short is masked almost entirely. Used in every
// log line that names a recipient.
std::string mask_phone(std::string_view phone);

}  // namespace smsgw
