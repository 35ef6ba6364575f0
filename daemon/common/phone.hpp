#pragma once
// Phone numbers: validation and normalisation to E.164 (Google's libphonenumber, with its
// number-type data), classification for routing rules, and masking for logs.
//
// Thread-safe: libphonenumber's PhoneNumberUtil is a process-wide singleton whose methods are
// const and thread-safe; the per-range cache below is lock-free. Nothing here throws.

#include <string>
#include <string_view>
#include <vector>

#include "common/cn_operator.hpp"

namespace smsgw {

struct PhoneResult {
  std::string e164;   // "+8613800138000" when ok
  std::string error;  // human-readable reason when not ok, e.g. "not a valid mobile number"
  bool ok() const noexcept { return error.empty(); }
};

// Accepts numbers that can receive SMS: libphonenumber must find the number valid and of type
// MOBILE, or FIXED_LINE_OR_MOBILE where a country's numbering cannot tell the two apart (the
// USA, Canada). Fixed-line, toll-free, premium-rate, shared-cost (400), VoIP, personal, pager,
// UAN and voicemail numbers are refused with a reason ("a fixed-line number cannot receive
// SMS"), as are numbers in no range in use.
//
// Input: digits with spaces, tabs, dashes, dots and parentheses anywhere; a leading '+' or
// '00' for the country code. Without either the number is read as a Chinese one (default
// region CN: "13800138000", "8613800138000", "010 8888 6666" for a Beijing landline, which is
// then refused). Full-width digits, '＋', '－', '（', '）', '．' and U+3000 are accepted
// because Chinese IMEs produce them. Anything else (letters, other text around the number,
// control characters) is rejected, although libphonenumber itself would skip it: a recipient
// list is not free text. At most 20 digits; at most 15 after the country code's '+' (E.164).
//
// Cost (bench/phone_bench): an 11-digit Chinese mobile takes a few tens of nanoseconds after
// the first number of its 10,000-number block (1 + 6 digits, the MIIT's smallest allocation),
// whose number type is asked of libphonenumber once (about 10 µs) and remembered for the life
// of the process; any other number is parsed and typed by libphonenumber each time (about
// 12 µs).
PhoneResult normalize_phone(std::string_view input);

// normalize_phone without the per-block cache of Chinese mobiles' number types: libphonenumber
// decides every number. For tests that check the cache agrees with it.
PhoneResult normalize_phone_uncached(std::string_view input);

// Where a number belongs, for routing rules ([[carriers]] countries, operators).
struct PhoneClass {
  // ISO 3166-1 alpha-2 region of the number ("CN", "HK", "US", "CA"), as libphonenumber
  // assigns it; "" when it cannot tell (not a valid number, or a non-geographic one like +800).
  std::string region;
  // For an 11-digit mainland mobile (+86 1...): the operator whose range holds it
  // (cn_operator.hpp); unknown otherwise.
  CnOperator cn_operator = CnOperator::unknown;
};

// Classifies an E.164 number as normalize_phone returns it ("+8613800138000"). Any input is
// accepted; what is not a number classifies as {"", unknown}. A +86 number costs a table
// look-up, one of a calling code with a single region (+852 HK) a few look-ups, one shared
// by several regions (+1, +7, +44) a libphonenumber parse.
PhoneClass classify_phone(std::string_view e164);

// Is `code` a region libphonenumber knows ("CN", "HK", "US"; upper case, exactly 2 letters)?
bool is_known_region(std::string_view code);

// A carrier's routing rules ([[carriers]] operators and countries): the numbers it takes.
// Empty lists take any number; a carrier with both takes only numbers meeting both.
struct NumberRules {
  std::vector<CnOperator> operators;   // Chinese mobiles of these operators only
  std::vector<std::string> countries;  // numbers of these regions only (ISO 3166-1 alpha-2)

  bool any() const noexcept { return operators.empty() && countries.empty(); }
  bool takes(const PhoneClass& number) const noexcept;
  // What the carrier takes, for messages: "china_mobile", "CN, HK", "china_mobile in CN".
  std::string describe() const;
};

// A number's class as the subject of a message: "China Unicom numbers", "numbers of HK",
// "Chinese numbers of no known operator's range", "numbers of no known country".
std::string describe_numbers(const PhoneClass& number);

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
