#include "adapters/core/ucs2_parts.hpp"

#include "common/utf8.hpp"

namespace smsgw::adapters {
namespace {

constexpr std::size_t kSingleUnits = 70;
constexpr std::size_t kPartUnits = 67;  // 134 octets after the 6-octet UDH

// The next code point of `s` at `i` (advancing i); U+FFFD for an invalid or truncated sequence.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const Utf8Char c = decode_utf8(s, i);
  i += c.length;
  return c.cp;
}

void put_unit(std::string& out, std::uint16_t u) {
  out += static_cast<char>(u >> 8);
  out += static_cast<char>(u & 0xFF);
}


}  // namespace

std::string utf8_to_ucs2(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() * 2);
  for (std::size_t i = 0; i < utf8.size();) {
    const char32_t cp = next_code_point(utf8, i);
    if (cp >= 0x10000) {
      const char32_t v = cp - 0x10000;
      put_unit(out, static_cast<std::uint16_t>(0xD800 + (v >> 10)));
      put_unit(out, static_cast<std::uint16_t>(0xDC00 + (v & 0x3FF)));
    } else {
      put_unit(out, static_cast<std::uint16_t>(cp));
    }
  }
  return out;
}

std::string ucs2_to_utf8(std::string_view ucs2) {
  std::string out;
  for (std::size_t i = 0; i + 1 < ucs2.size(); i += 2) {
    const auto u = static_cast<std::uint16_t>((static_cast<unsigned char>(ucs2[i]) << 8) |
                                              static_cast<unsigned char>(ucs2[i + 1]));
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < ucs2.size()) {
      const auto lo = static_cast<std::uint16_t>((static_cast<unsigned char>(ucs2[i + 2]) << 8) |
                                                 static_cast<unsigned char>(ucs2[i + 3]));
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((static_cast<char32_t>(u - 0xD800) << 10) | (lo - 0xDC00)));
        i += 2;
        continue;
      }
    }
    append_utf8(out, (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFD : u);
  }
  return out;
}

Ucs2Parts split_ucs2(std::string_view utf8, std::uint8_t reference, bool with_udh) {
  const std::string all = utf8_to_ucs2(utf8);
  Ucs2Parts out;
  if (all.size() <= kSingleUnits * 2) {
    out.parts.push_back(all);
    return out;
  }
  std::vector<std::string> payloads;
  for (std::size_t at = 0; at < all.size() && payloads.size() < 255;) {
    std::size_t n = std::min(kPartUnits * 2, all.size() - at);
    // Never end a part on a high surrogate: its pair starts the next part.
    if (at + n < all.size()) {
      const auto last = static_cast<unsigned char>(all[at + n - 2]);
      if (last >= 0xD8 && last <= 0xDB) n -= 2;
    }
    payloads.push_back(all.substr(at, n));
    at += n;
  }
  out.with_udh = with_udh;
  const auto total = static_cast<std::uint8_t>(payloads.size());
  for (std::size_t k = 0; k < payloads.size(); ++k) {
    std::string part;
    if (with_udh) {
      part = {'\x05', '\x00', '\x03', static_cast<char>(reference), static_cast<char>(total),
              static_cast<char>(k + 1)};
    }
    part += payloads[k];
    out.parts.push_back(std::move(part));
  }
  return out;
}

}  // namespace smsgw::adapters
