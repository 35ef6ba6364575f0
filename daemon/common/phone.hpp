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

// Masks a phone number for a log line: "+8613800138000" -> "+86138****8000",
// "+491701234567890" -> "+491********7890". Used in every log line that names a recipient.
//
// The rule, over bytes (any input is accepted; the output has exactly as many bytes):
// - '+' and the separators ' ', '-', '.', '(', ')' are copied; every other byte is a position.
// - A leading "+86" is copied and its digits are not positions: it names the country, not the
//   subscriber, so Chinese mobiles keep the SPEC's "138****8000" form.
// - Of N positions at most the first 3 and the last 4 are shown, and at least 4 are masked:
//   N <= 4 shows none; N = 5 shows the last 1; N = 6, 7 the last 2; N >= 8 the last 4 and the
//   first min(3, N - 8).
// - A shown position is shown only if it is a digit; anything else (garbage that reached a log,
//   a control character, a byte of a multi-byte character) becomes '*'.
// '*' is a position like any other, so mask_phone(mask_phone(x)) == mask_phone(x).
std::string mask_phone(std::string_view phone);

}  // namespace smsgw
