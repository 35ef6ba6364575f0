#pragma once
// Building one batch from a send's targets: the date builtins, parameter lookup, per-recipient
// rendering, the signature, skips (inactive, daily cap) and segment counting. Pure functions over
// data already read from the store, so the hot loop does no SQLite calls, JSON or map lookups
// per recipient (a 100,000-recipient fan-out must be accepted in under 2 s).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
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
  const templates::Template* tmpl = nullptr;  // null: send `text` as it is
  std::string_view text;
  const Params* params = nullptr;
  std::string_view signature;
  int daily_cap = 0;  // 0 = none
  std::size_t max_text_chars = 1000;
  DateValues dates;
  // The template's carrier mappings (sending/mappings.hpp); rendered into each message's
  // carrier_calls. Null or empty: none.
  const std::vector<CarrierCall>* calls = nullptr;
};

struct Fanout {
  std::vector<store::NewMessage> messages;  // to, text and segments set; ids etc. by the caller
  std::vector<store::Skip> skips;
  std::map<std::string, std::int64_t> skipped_by_reason;
  std::vector<FieldError> errors;  // missing params or a text too long: nothing may be written
};

// `counts_today`: messages already created per phone since the start of the local day (only
// read when spec.daily_cap > 0). Targets are consumed (their phones are moved into messages).
Fanout build_fanout(std::vector<store::Target>& targets,
                    const std::map<std::string, std::int64_t>& counts_today,
                    const FanoutSpec& spec);

}  // namespace smsgw::sending
