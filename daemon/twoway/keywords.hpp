#pragma once
// What a reply says, read the way a person types it on a phone: full-width letters and digits
// from a Chinese IME ("ＴＤ", "１"), the ideographic space, any case, spaces around it and a
// closing full stop or exclamation mark ("退订。", "td!") all read the same. Opt-out and opt-in
// keywords, confirmation words and poll votes are all matched on this normal form, so the
// rules agree with each other. Pure functions; no allocation beyond the result.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::twoway {

// Full-width ASCII (U+FF01..U+FF5E) to ASCII, U+3000 and other white space to one ASCII space,
// runs of spaces to one, ASCII letters upper-cased, leading and trailing spaces and trailing
// punctuation (. 。 ! ！ ？ ?) removed. Invalid UTF-8 bytes are kept as they are (they match no
// keyword).
std::string normalize_reply(std::string_view text);

// What of a carrier's inbound text is stored: at most kMaxReplyText bytes (cut at a character
// boundary), control characters but the line break replaced by a space, bytes that are not
// UTF-8 by U+FFFD. A carrier's text must not reach a log line or a terminal raw.
inline constexpr std::size_t kMaxReplyText = 4096;
std::string bounded_reply_text(std::string_view text);

enum class ReplyKind { reply, opt_out, opt_in };
std::string_view to_string(ReplyKind k) noexcept;

// The configured keywords, each already in normal form.
struct KeywordRules {
  std::vector<std::string> opt_out;
  std::vector<std::string> opt_in;
};

// A reply is a keyword only when the whole reply is the keyword ("TD", "退订"): "TD是什么意思"
// is a question to the office, not an opt-out.
ReplyKind classify(std::string_view normalized, const KeywordRules& rules) noexcept;

// A poll vote "<keyword> <code>" read from a normal form: "TP 07", "TP07" (the code is the
// digits that end it), "投票 3". The code is in normal_code form. nullopt when the text is not
// shaped like a vote (one word with no digits at its end, or nothing after the keyword).
struct Ballot {
  std::string keyword;
  std::string code;
};
std::optional<Ballot> split_ballot(std::string_view normalized);

// A poll option's code as votes are compared: the normal form without spaces, and a code of
// digits without its leading zeros ("07" and "7" are the same option; "0" stays "0").
std::string normal_code(std::string_view code);

}  // namespace smsgw::twoway
