#include "twoway/keywords.hpp"

#include <algorithm>

#include "common/utf8.hpp"

namespace smsgw::twoway {
namespace {

bool is_space(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
         cp == 0x3000 || cp == 0x00A0 || cp == 0x2002 || cp == 0x2003 || cp == 0x2009;
}

// Characters a person adds at the end without meaning anything by them.
constexpr std::string_view kTrailing[] = {".", "!", "?", "\xE3\x80\x82" /* 。 */};

}  // namespace

std::string normalize_reply(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char c = decode_utf8(text, i);
    if (!c.valid) {
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      out += text[i];
      i += c.length;
      continue;
    }
    i += c.length;
    char32_t cp = c.cp;
    if (is_space(cp)) {
      pending_space = true;
      continue;
    }
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp = cp - 0xFF01 + 0x21;  // full-width ASCII
    if (cp >= 'a' && cp <= 'z') cp = cp - 'a' + 'A';
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    append_utf8(out, cp);
  }
  // Trailing punctuation, then any space it left.
  for (bool cut = true; cut;) {
    cut = false;
    for (std::string_view p : kTrailing) {
      if (out.size() >= p.size() && std::string_view(out).substr(out.size() - p.size()) == p) {
        out.resize(out.size() - p.size());
        cut = true;
      }
    }
    while (!out.empty() && out.back() == ' ') {
      out.pop_back();
      cut = true;
    }
  }
  return out;
}

std::string bounded_reply_text(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxReplyText));
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char c = decode_utf8(text, i);
    i += c.length;
    char32_t cp = c.cp;
    if (cp != '\n' && (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))) cp = ' ';
    const std::size_t before = out.size();
    append_utf8(out, cp);
    if (out.size() > kMaxReplyText) {
      out.resize(before);
      break;
    }
  }
  return out;
}

std::string normal_code(std::string_view code) {
  std::string out;
  for (char c : normalize_reply(code)) {
    if (c != ' ') out += c;
  }
  if (!out.empty() && out.find_first_not_of("0123456789") == std::string::npos) {
    const std::size_t first = out.find_first_not_of('0');
    out.erase(0, first == std::string::npos ? out.size() - 1 : first);
  }
  return out;
}

std::optional<Ballot> split_ballot(std::string_view normalized) {
  std::string_view keyword, code;
  if (const std::size_t space = normalized.find(' '); space != std::string_view::npos) {
    keyword = normalized.substr(0, space);
    code = normalized.substr(space + 1);
  } else {
    // "TP07": the digits at the end are the code, what is before them the keyword.
    std::size_t start = normalized.size();
    while (start > 0 && normalized[start - 1] >= '0' && normalized[start - 1] <= '9') --start;
    if (start == 0 || start == normalized.size()) return std::nullopt;
    keyword = normalized.substr(0, start);
    code = normalized.substr(start);
  }
  if (keyword.empty() || code.empty()) return std::nullopt;
  Ballot b{std::string(keyword), normal_code(code)};
  if (b.code.empty()) return std::nullopt;
  return b;
}

std::string_view to_string(ReplyKind k) noexcept {
  switch (k) {
    case ReplyKind::reply: return "reply";
    case ReplyKind::opt_out: return "opt_out";
    case ReplyKind::opt_in: return "opt_in";
  }
  return "reply";
}

ReplyKind classify(std::string_view normalized, const KeywordRules& rules) noexcept {
  if (normalized.empty()) return ReplyKind::reply;
  const auto has = [&](const std::vector<std::string>& words) {
    return std::any_of(words.begin(), words.end(),
                       [&](const std::string& w) { return w == normalized; });
  };
  if (has(rules.opt_out)) return ReplyKind::opt_out;
  if (has(rules.opt_in)) return ReplyKind::opt_in;
  return ReplyKind::reply;
}

}  // namespace smsgw::twoway
