#pragma once
// What a phone will show and what it costs: GSM-7 vs UCS-2 and the number of SMS segments.

#include <string_view>

namespace smsgw {

enum class SmsEncoding { gsm7, ucs2 };

struct SmsLength {
  SmsEncoding encoding = SmsEncoding::gsm7;
  int chars = 0;     // user-visible characters (code points)
  int units = 0;     // septets for GSM-7 (extension chars count 2), UTF-16 units for UCS-2
  int segments = 0;  // 1 for the empty text
};

// GSM-7 when every code point is in the 3GPP 23.038 default alphabet or its extension table
// (extension characters cost 2 septets); otherwise UCS-2, where characters outside the BMP cost 2
// units. Single SMS: 160 septets / 70 units; concatenated parts: 153 / 67, never splitting an
// escape pair or a surrogate pair. Invalid UTF-8 bytes are counted as one UCS-2 unit each.
SmsLength measure_sms(std::string_view utf8_text);

std::string_view to_string(SmsEncoding e) noexcept;

}  // namespace smsgw
