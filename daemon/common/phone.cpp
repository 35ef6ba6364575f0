#include "common/phone.hpp"

#include <algorithm>
#include <cstdint>

namespace smsgw {
namespace {

PhoneResult fail(std::string reason) { return PhoneResult{{}, std::move(reason)}; }

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool is_chinese_mobile(std::string_view digits) noexcept {
  return digits.size() == 11 && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9';
}

// Full-width forms (U+FF01..U+FF5E) mirror ASCII at a fixed offset; Chinese IMEs emit them for
// digits, '＋', '－', '（', '）' and '．'. U+3000 is the ideographic space.
// Returns the ASCII equivalent and the number of bytes consumed, or 0 when not one of those.
std::pair<char, std::size_t> fold_full_width(std::string_view s, std::size_t i) noexcept {
  if (i + 3 > s.size()) return {0, 0};
  const auto b0 = static_cast<unsigned char>(s[i]);
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  const auto b2 = static_cast<unsigned char>(s[i + 2]);
  if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) return {' ', 3};
  if (b0 != 0xEF || (b1 != 0xBC && b1 != 0xBD) || b2 < 0x80 || b2 > 0xBF) return {0, 0};
  const std::uint32_t cp = 0xF000u | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
  if (cp < 0xFF01 || cp > 0xFF5E) return {0, 0};
  return {static_cast<char>(cp - 0xFF01 + 0x21), 3};
}

bool is_separator(char c) noexcept {
  return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '(' || c == ')';
}

}  // namespace

PhoneResult normalize_phone(std::string_view input) {
  std::string digits;
  bool plus = false;
  bool seen_digit = false;
  for (std::size_t i = 0; i < input.size();) {
    char c = input[i];
    std::size_t width = 1;
    if (static_cast<unsigned char>(c) >= 0x80) {
      const auto [ascii, n] = fold_full_width(input, i);
      if (n == 0) return fail("contains a character that is not a digit");
      c = ascii;
      width = n;
    }
    i += width;
    if (is_digit(c)) {
      digits.push_back(c);
      seen_digit = true;
    } else if (c == '+') {
      if (seen_digit || plus) return fail("'+' is only allowed at the start");
      plus = true;
    } else if (!is_separator(c)) {
      return fail(std::string("contains an invalid character '") + c + "'");
    }
    if (digits.size() > 20) return fail("too many digits");
  }
  if (digits.empty()) return fail(plus ? "no digits after '+'" : "is empty");

  bool international = plus;
  if (!plus && digits.starts_with("00")) {
    digits.erase(0, 2);
    international = true;
  }
  if (!international) {
    // Without a '+' or '00' only Chinese mobiles are accepted: a bare "4915..." is ambiguous.
    if (is_chinese_mobile(digits)) return PhoneResult{"+86" + digits, {}};
    if (digits.size() == 13 && digits.starts_with("86") &&
        is_chinese_mobile(std::string_view(digits).substr(2)))
      return PhoneResult{"+" + digits, {}};
    if (digits.size() < 11) return fail("too short for a mobile number (11 digits expected)");
    return fail(
        "not a Chinese mobile number (1[3-9] and 11 digits); write other numbers with "
        "+ and the country code");
  }
  if (digits.starts_with("86")) {
    // +86 landlines cannot receive SMS; insisting on the mobile form catches typos early.
    if (is_chinese_mobile(std::string_view(digits).substr(2))) return PhoneResult{"+" + digits, {}};
    return fail("not a valid Chinese mobile number (+86 then 1[3-9] and 9 more digits)");
  }
  if (digits[0] == '0') return fail("country code cannot start with 0");
  if (digits.size() < 8) return fail("too short for an international number (8 to 15 digits)");
  if (digits.size() > 15) return fail("too long for an international number (8 to 15 digits)");
  return PhoneResult{"+" + digits, {}};
}

std::string mask_phone(std::string_view phone) {
  std::string out(phone);
  // The country code of a Chinese number is not the subscriber's, and the SPEC's log form
  // "+86138****8000" shows it in full.
  const std::size_t start = out.starts_with("+86") ? 3 : 0;
  const auto is_copied = [](char c) { return c == '+' || (c != '\t' && is_separator(c)); };
  std::size_t positions = 0;
  for (std::size_t i = start; i < out.size(); ++i)
    if (!is_copied(out[i])) ++positions;

  std::size_t head = 0;
  std::size_t tail = 0;
  if (positions >= 8) {
    tail = 4;
    head = std::min<std::size_t>(3, positions - 8);
  } else if (positions >= 5) {
    tail = std::min<std::size_t>(2, positions - 4);
  }
  std::size_t k = 0;  // index of the current position
  for (std::size_t i = start; i < out.size(); ++i) {
    char& c = out[i];
    if (is_copied(c)) continue;
    const bool shown = k < head || k >= positions - tail;
    ++k;
    if (!shown || !is_digit(c)) c = '*';
  }
  return out;
}

}  // namespace smsgw
