#include "common/sms_encoding.hpp"

#include "common/utf8.hpp"

#include <cstdint>

namespace smsgw {
namespace {

constexpr int kGsmSingle = 160;
constexpr int kGsmPart = 153;
constexpr int kUcs2Single = 70;
constexpr int kUcs2Part = 67;

// 3GPP 23.038 default alphabet outside printable ASCII, plus LF and CR.
constexpr std::uint32_t kGsmBasicNonAscii[] = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

// The extension table: each costs an escape septet plus its own.
constexpr std::uint32_t kGsmExtension[] = {0x000C, '^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC};

// Septets for a code point in GSM-7, or 0 when it has no GSM-7 form.
int gsm_septets(std::uint32_t cp) noexcept {
  for (auto e : kGsmExtension)
    if (cp == e) return 2;
  if (cp == '\n' || cp == '\r') return 1;
  if (cp >= 0x20 && cp <= 0x7E) return cp == '`' ? 0 : 1;
  for (auto b : kGsmBasicNonAscii)
    if (cp == b) return 1;
  return 0;
}

constexpr std::uint32_t kInvalid = 0xFFFFFFFF;

// Invalid bytes decode to kInvalid (never a GSM character, one UCS-2 unit each).
std::pair<std::uint32_t, std::size_t> decode(std::string_view s, std::size_t i) noexcept {
  const Utf8Char c = decode_utf8(s, i);
  return {c.valid ? static_cast<std::uint32_t>(c.cp) : kInvalid, c.length};
}

// Cost of each character in the chosen encoding, in septets or UTF-16 units.
template <typename F>
void for_each_cost(std::string_view text, bool gsm, F&& f) {
  for (std::size_t i = 0; i < text.size();) {
    const auto [cp, len] = decode(text, i);
    i += len;
    if (gsm) {
      f(gsm_septets(cp));
    } else {
      f(cp != kInvalid && cp > 0xFFFF ? 2 : 1);
    }
  }
}

}  // namespace

// Two passes instead of a cost vector: this runs for every accepted message, so no allocation.
SmsLength measure_sms(std::string_view utf8_text) {
  SmsLength out;
  bool gsm = true;
  int gsm_units = 0;
  int ucs2_units = 0;
  for (std::size_t i = 0; i < utf8_text.size();) {
    const auto [cp, len] = decode(utf8_text, i);
    i += len;
    ++out.chars;
    if (cp == kInvalid) {
      gsm = false;
      ++ucs2_units;
      continue;
    }
    ucs2_units += cp > 0xFFFF ? 2 : 1;
    if (gsm) {
      const int septets = gsm_septets(cp);
      if (septets == 0) gsm = false;
      gsm_units += septets;
    }
  }
  out.encoding = gsm ? SmsEncoding::gsm7 : SmsEncoding::ucs2;
  out.units = gsm ? gsm_units : ucs2_units;
  const int single = gsm ? kGsmSingle : kUcs2Single;
  const int part = gsm ? kGsmPart : kUcs2Part;
  if (out.units <= single) {
    out.segments = 1;
    return out;
  }
  // Greedy packing: a character that does not fit in the current part starts the next one, so
  // an escape pair or a surrogate pair is never split across parts.
  out.segments = 1;
  int used = 0;
  for_each_cost(utf8_text, gsm, [&](int cost) {
    if (used + cost > part) {
      ++out.segments;
      used = 0;
    }
    used += cost;
  });
  return out;
}

std::string_view to_string(SmsEncoding e) noexcept {
  return e == SmsEncoding::gsm7 ? "gsm7" : "ucs2";
}

}  // namespace smsgw
