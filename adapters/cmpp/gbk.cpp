#include "adapters/cmpp/gbk.hpp"

#include <iconv.h>

#include <cerrno>

namespace smsgw::adapters::cmpp {
namespace {

constexpr std::size_t kSingle = 140;
constexpr std::size_t kPart = 134;
constexpr std::size_t kMaxParts = 255;

// One conversion; false when `from` holds a character `to` cannot express (or is malformed),
// unless `replace` (then such input becomes `replacement`, byte by byte).
bool convert(const char* to, const char* from, std::string_view in, std::string& out, bool replace,
             std::string_view replacement) {
  iconv_t cd = iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out.clear();
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  char buffer[1024];
  bool ok = true;
  while (src_left > 0) {
    char* dst = buffer;
    std::size_t dst_left = sizeof buffer;
    const std::size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
    out.append(buffer, static_cast<std::size_t>(dst - buffer));
    if (r != static_cast<std::size_t>(-1)) continue;
    if (errno == E2BIG) continue;
    if (!replace) {
      ok = false;
      break;
    }
    out.append(replacement);  // EILSEQ or EINVAL (truncated): skip one byte
    ++src;
    --src_left;
  }
  iconv_close(cd);
  return ok;
}

}  // namespace

std::optional<std::string> utf8_to_gbk(std::string_view utf8) {
  std::string out;
  if (!convert("GBK", "UTF-8", utf8, out, false, {})) return std::nullopt;
  return out;
}

std::string gbk_to_utf8(std::string_view gbk) {
  std::string out;
  convert("UTF-8", "GBK", gbk, out, true, "\xEF\xBF\xBD");
  return out;
}

std::vector<std::string> split_gbk(std::string_view gbk) {
  if (gbk.size() <= kSingle) return {std::string(gbk)};
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < gbk.size() && parts.size() < kMaxParts) {
    std::size_t end = i;
    // Whole characters only: a lead byte (0x81..0xFE) and its trail byte go together.
    while (end < gbk.size()) {
      const std::size_t len = static_cast<unsigned char>(gbk[end]) >= 0x81 ? 2 : 1;
      if (end + len - i > kPart) break;
      end += std::min(len, gbk.size() - end);
    }
    parts.emplace_back(gbk.substr(i, end - i));
    i = end;
  }
  return parts;
}

}  // namespace smsgw::adapters::cmpp
