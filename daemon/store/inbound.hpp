#pragma once
// Messages people send to the office (MO, issue 14), whichever carrier brought them, and the
// suppression list that opt-out replies feed. An inbound message is stored once per carrier id
// (a carrier that resends a push it thinks was lost is deduplicated), matched to the outbound
// message it answers, and, when it is an opt-out or opt-in keyword, changes the suppression
// list in the same transaction, with an audit entry.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/types.hpp"

namespace smsgw::store {

struct NewInbound {
  std::string carrier;
  std::string carrier_id;  // the carrier's id for it; "" = none (then not deduplicated)
  std::string from;        // E.164
  std::string to;          // the number it was sent to, extension included
  std::string text;        // UTF-8, bounded by the caller
  UnixMs received_at = 0;
  std::string kind = "reply";  // "reply", "opt_out" or "opt_in" (twoway::classify)
  std::string keyword;         // the normal form that made it opt_out / opt_in
  std::string normalized;      // twoway::normalize_reply(text): matched against confirm words
};

// How inbound messages are matched to what the office sent.
struct InboundRules {
  // A reply answers the latest message sent to its number at most this long before it; 0 = no
  // matching.
  UnixMs reply_window_ms = 0;
};

struct InboundRow {
  std::int64_t id = 0;
  std::string carrier;
  std::string carrier_id;
  std::string from;
  std::string to;
  std::string text;
  UnixMs received_at = 0;
  UnixMs created_at = 0;
  std::optional<std::int64_t> message_id;  // the outbound it answers
  std::optional<std::int64_t> batch_id;
  // "recent" (the latest outbound in the window), "confirm" (a yes/no word for the latest send
  // still asking for one, when a later send asked nothing), or "" when unmatched.
  std::string matched_by;
  std::string kind;        // as NewInbound::kind
};

enum class InboundResult { stored, duplicate };

struct InboundOutcome {
  InboundResult result = InboundResult::stored;
  std::int64_t id = 0;  // the row (the earlier one for a duplicate)
  // When it answered a send that asked for a reply: the batch it counts for and the status it
  // gave ("confirmed", "declined", "unreadable"); 0 / "" otherwise.
  std::int64_t confirmation_batch = 0;
  std::string confirmation;
  // When it was a poll vote ("TP 07"): the poll and the ballot's outcome; 0 / "" otherwise.
  std::int64_t poll_id = 0;
  std::string ballot;
};

// One recipient of a send that asked for a reply (Store::list_replies).
struct ReplyRow {
  std::string to;      // E.164
  std::string status;  // "confirmed", "declined", "unreadable" or "no_reply"
  std::string text;    // the reply that decided it ("" for no_reply)
  UnixMs at = 0;
};

struct ReplyPage {
  std::vector<ReplyRow> rows;  // by number
  std::string next_after;      // "" = no more
};

struct InboundFilter {
  std::string from;        // E.164, "" = any
  std::string carrier;     // "" = any
  std::optional<std::int64_t> batch_id;
  std::optional<std::int64_t> message_id;
  std::string kind;        // "" = any
  UnixMs since = 0;        // received_at >= since
  UnixMs until = 0;        // received_at < until (0 = no bound)
  std::int64_t before_id = 0;  // paging: rows with a smaller id (0 = from the newest)
  int limit = 50;
};

struct InboundPage {
  std::vector<InboundRow> rows;  // newest first
  std::int64_t next_before = 0;  // 0 = no more
};

struct SuppressionRow {
  std::string phone;   // E.164
  std::string reason;  // "keyword" (the person replied an opt-out word) or "manual"
  std::string source;  // "inbound:<id>", or the person / token that added it
  std::string note;
  UnixMs created_at = 0;
};

struct SuppressionPage {
  std::vector<SuppressionRow> rows;  // by phone
  std::string next_after;            // pass as `after` for the next page; "" = no more
};

}  // namespace smsgw::store
