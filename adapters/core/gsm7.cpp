#include "adapters/core/gsm7.hpp"

#include <algorithm>
#include <array>

#include "common/utf8.hpp"

namespace smsgw::adapters {
namespace {

constexpr char kEscape = 0x1B;
constexpr std::size_t kSingle = 160;
constexpr std::size_t kPart = 153;  // 1072 bits after the 6-octet UDH and one fill bit
constexpr std::size_t kMaxParts = 255;

// The basic table, septet -> code point (0x1B is the escape).
constexpr std::array<char32_t, 128> kBasic = {
    U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'\n', U'Ø', U'ø', U'\r', U'Å', U'å',
    U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ', U'Θ', U'Ξ', 0x1B, U'Æ', U'æ', U'ß', U'É',
    U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'', U'(', U')', U'*', U'+', U',', U'-', U'.', U'/',
    U'0', U'1', U'2', U'3', U'4', U'5', U'6', U'7', U'8', U'9', U':', U';', U'<', U'=', U'>', U'?',
    U'¡', U'A', U'B', U'C', U'D', U'E', U'F', U'G', U'H', U'I', U'J', U'K', U'L', U'M', U'N', U'O',
    U'P', U'Q', U'R', U'S', U'T', U'U', U'V', U'W', U'X', U'Y', U'Z', U'Ä', U'Ö', U'Ñ', U'Ü', U'§',
    U'¿', U'a', U'b', U'c', U'd', U'e', U'f', U'g', U'h', U'i', U'j', U'k', U'l', U'm', U'n', U'o',
    U'p', U'q', U'r', U's', U't', U'u', U'v', U'w', U'x', U'y', U'z', U'ä', U'ö', U'ñ', U'ü', U'à',
};

struct Extension {
  char code;
  char32_t cp;
};
constexpr std::array<Extension, 10> kExtension = {{
    {0x0A, 0x0C}, {0x14, U'^'}, {0x28, U'{'}, {0x29, U'}'}, {0x2F, U'\\'},
    {0x3C, U'['}, {0x3D, U'~'}, {0x3E, U']'}, {0x40, U'|'}, {0x65, U'€'},
}};


}  // namespace

std::optional<std::string> utf8_to_gsm7(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    const Utf8Char c = decode_utf8(utf8, i);
    if (!c.valid) return std::nullopt;
    i += c.length;
    const std::optional<char32_t> cp = c.cp;
    if (*cp != 0x1B) {
      const auto basic = std::find(kBasic.begin(), kBasic.end(), *cp);
      if (basic != kBasic.end()) {
        out += static_cast<char>(basic - kBasic.begin());
        continue;
      }
    }
    const auto ext = std::find_if(kExtension.begin(), kExtension.end(),
                                  [&](const Extension& e) { return e.cp == *cp; });
    if (ext == kExtension.end()) return std::nullopt;
    out += kEscape;
    out += ext->code;
  }
  return out;
}

std::string gsm7_to_utf8(std::string_view septets) {
  std::string out;
  out.reserve(septets.size());
  for (std::size_t i = 0; i < septets.size(); ++i) {
    const auto s = static_cast<unsigned char>(septets[i]) & 0x7F;
    if (s == 0x1B) {
      if (i + 1 >= septets.size()) break;
      const char code = static_cast<char>(static_cast<unsigned char>(septets[++i]) & 0x7F);
      const auto ext = std::find_if(kExtension.begin(), kExtension.end(),
                                    [&](const Extension& e) { return e.code == code; });
      append_utf8(out, ext != kExtension.end() ? ext->cp : U' ');
      continue;
    }
    append_utf8(out, kBasic[s]);
  }
  return out;
}

std::string pack_gsm7(std::string_view septets, int fill_bits) {
  std::string out;
  const std::size_t bits = static_cast<std::size_t>(fill_bits) + septets.size() * 7;
  out.assign((bits + 7) / 8, '\0');
  std::size_t bit = static_cast<std::size_t>(fill_bits);
  for (const char c : septets) {
    const unsigned v = static_cast<unsigned char>(c) & 0x7F;
    const std::size_t byte = bit / 8, shift = bit % 8;
    out[byte] = static_cast<char>(static_cast<unsigned char>(out[byte]) | ((v << shift) & 0xFF));
    if (shift > 1) out[byte + 1] = static_cast<char>(v >> (8 - shift));
    bit += 7;
  }
  return out;
}

std::string unpack_gsm7(std::string_view octets, std::size_t septets, int fill_bits) {
  std::string out;
  std::size_t bit = static_cast<std::size_t>(std::max(fill_bits, 0));
  for (std::size_t n = 0; n < septets && (bit + 7) <= octets.size() * 8; ++n, bit += 7) {
    const std::size_t byte = bit / 8, shift = bit % 8;
    unsigned v = static_cast<unsigned char>(octets[byte]) >> shift;
    if (shift > 1 && byte + 1 < octets.size()) v |= static_cast<unsigned>(static_cast<unsigned char>(octets[byte + 1])) << (8 - shift);
    out += static_cast<char>(v & 0x7F);
  }
  return out;
}

Gsm7Parts split_gsm7(std::string_view septets, std::uint8_t reference, bool with_udh) {
  Gsm7Parts out;
  if (septets.size() <= kSingle) {
    out.parts.emplace_back(septets);
    return out;
  }
  std::vector<std::string_view> pieces;
  std::size_t i = 0;
  while (i < septets.size() && pieces.size() < kMaxParts) {
    std::size_t n = std::min(kPart, septets.size() - i);
    // Never end a part on an escape: its character would be split in two.
    std::size_t escapes_end = i;
    for (std::size_t k = i; k < i + n; ++k) {
      if (septets[k] == kEscape) {
        escapes_end = k + 2;
        ++k;
      }
    }
    if (escapes_end > i + n) --n;
    pieces.push_back(septets.substr(i, n));
    i += n;
  }
  out.with_udh = with_udh;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    std::string part;
    if (with_udh) {
      part = {0x05, 0x00, 0x03, static_cast<char>(reference), static_cast<char>(pieces.size()),
              static_cast<char>(k + 1)};
    }
    part.append(pieces[k]);
    out.parts.push_back(std::move(part));
  }
  return out;
}

}  // namespace smsgw::adapters
