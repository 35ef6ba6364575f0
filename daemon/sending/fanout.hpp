#pragma once
// Building one batch from a send's targets: the date builtins, parameter lookup, per-recipient
// rendering, the signature, skips (inactive, daily cap) and segment counting. Pure functions over
// data already read from the store, so the hot loop does no SQLite calls, JSON or map lookups
// per recipient (a 100,000-recipient fan-out must be accepted in under 2 s).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <unordered_set>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/field_error.hpp"
#include "common/timezone.hpp"
#include "store/store.hpp"
#include "templates/template.hpp"

namespace smsgw::sending {

// The date builtins at one instant in the daemon's timezone.
struct DateValues {
  std::string today;     // 2026-11-26
  std::string today_cn;  // 2026年11月26日
  std::string now;       // 09:30
  std::string year, month, day;
};
DateValues date_values(const TimeZone& tz, UnixMs now);

// Request parameters in request order; look them up through a ParamIndex.
using Params = std::vector<std::pair<std::string, std::string>>;

// Finds params by name; the first of a repeated name wins. Usually there are a few, and a
// linear search beats hashing; but a 1 MiB body can carry 100,000, and a linear search per
// placeholder of a 100,000-placeholder template would be quadratic, so many are hashed once.
// Keeps pointers into `params`, which must outlive the index and not change.
class ParamIndex {
 public:
  explicit ParamIndex(const Params& params);
  const std::string* find(std::string_view name) const;

 private:
  static constexpr std::size_t kLinear = 16;
  const Params& params_;
  std::unordered_map<std::string_view, const std::string*> by_name_;  // only past kLinear
};

// A JSON object of strings (numbers and booleans are taken as their JSON text). Errors name
// "params" or "params.<key>"; a value (or name) with a control character is one.
Params parse_params(const nlohmann::json& j, std::vector<FieldError>& errors);

struct RecipientFields {
  std::string_view name, title, unit;
};

// The value of a placeholder: the recipient's own field when non-empty, then the request's
// params, then the date builtins. nullopt = missing (a recipient field left empty counts as
// missing so a template can supply it with a default filter instead of rendering a blank).
std::optional<std::string> lookup_value(std::string_view name, const ParamIndex& params,
                                        const RecipientFields* recipient, const DateValues& dates);

// True if the template uses name, title or unit (then it is rendered once per recipient).
bool uses_recipient_fields(const templates::Template& t);

struct CarrierCall;  // sending/mappings.hpp

struct FanoutSpec {
  std::shared_ptr<const templates::Template> tmpl;  // null: send `text` as it is
  std::string text;
  Params params;
  std::string signature;
  std::size_t max_text_chars = 1000;
  DateValues dates;
  // The template's carrier mappings (sending/mappings.hpp); rendered into each message's
  // carrier_calls. Null or empty: none. `calls_owner` keeps them alive while a streamed batch
  // waits for its commit.
  const std::vector<CarrierCall>* calls = nullptr;
  std::shared_ptr<const void> calls_owner;
  // Numbers on the suppression list among the targets (or the whole list): skipped with reason
  // "opted_out" unless `mandatory`.
  std::unordered_set<std::string> opted_out;
  bool mandatory = false;
};

// Above this many messages a batch is streamed: every message is rendered once here to check
// it, and again on the writer as it is inserted, so its texts are never all in memory at once
// (a 100,000-recipient fan-out must stay under the daemon's 40 MiB). At or below it the
// messages are built here, as they are also listed in the 202.
constexpr std::size_t kStreamAbove = 1000;

struct Fanout {
  // Up to `stream_above` messages: built, with to, text, segments and carrier_calls set (ids
  // etc. by the caller). Above: empty, and `stream` yields them.
  std::vector<store::NewMessage> messages;
  std::shared_ptr<const store::MessageStream> stream;
  std::size_t count = 0;  // messages, built or streamed
  std::vector<store::Skip> skips;
  std::map<std::string, std::int64_t> skipped_by_reason;
  std::vector<FieldError> errors;  // missing params or a text too long: nothing may be written
};

// Inactive and opted-out recipients become skips; every other target gets a message. The daily cap is the
// store's (counted inside the batch's commit).
Fanout build_fanout(store::TargetList targets, FanoutSpec spec,
                    std::size_t stream_above = kStreamAbove);

}  // namespace smsgw::sending
