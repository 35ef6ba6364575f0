#pragma once
// SMS polls (issue 14): a poll has options with codes, a keyword, a window, first or last vote
// counting, and optionally groups whose members alone may vote. Votes come from the inbound
// stream ("TP 07"), in the inbound's transaction (store_inbound); every one is kept as a ballot
// with its outcome, so a tally can be checked vote by vote.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/time.hpp"

namespace smsgw::store {

struct PollOption {
  std::string code;   // as the office wrote it ("07")
  std::string label;  // "城关镇卫生院"
  std::int64_t votes = 0;  // in a tally
};

struct PollRow {
  std::int64_t id = 0;
  std::string name;      // [A-Za-z0-9._-], the API's key
  std::string keyword;   // normal form (twoway::normalize_reply)
  std::vector<PollOption> options;  // in the office's order
  UnixMs opens_at = 0;
  UnixMs closes_at = 0;
  std::string counts = "first";  // "first" or "last": which of a phone's votes counts
  std::vector<std::string> groups;  // empty = anyone may vote
  std::string created_by;
  UnixMs created_at = 0;
};

// What became of one vote. Only counted and changed ones are in the tally; a changed one
// replaced the phone's earlier vote (counts = "last").
inline constexpr const char* kBallotOutcomes[] = {"counted", "changed", "duplicate", "late", "early",
                                                  "not_member", "unknown_code"};

struct PollTally {
  PollRow poll;                 // options carry their votes
  std::int64_t total = 0;       // phones whose vote counts
  std::int64_t rejected = 0;    // ballots that did not count
  std::map<std::string, std::int64_t> by_outcome;  // every ballot, by outcome (only present ones)
};

struct BallotRow {
  std::int64_t id = 0;
  std::int64_t inbound_id = 0;
  std::string from;     // E.164
  std::string code;     // as read (normal_code), "" for none
  UnixMs at = 0;
  std::string outcome;  // kBallotOutcomes
};

struct BallotPage {
  std::vector<BallotRow> rows;  // oldest first
  std::int64_t next_after = 0;  // 0 = no more
};

}  // namespace smsgw::store
