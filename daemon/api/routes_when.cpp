// POST /v1/schedules/preview: the next firings of a `when` line that is not saved yet, so the
// console can show them while an administrator types the line (and a client can check a line
// before creating a schedule). Same parser, calendar and time zone as a saved schedule.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http_util.hpp"
#include "api/router_impl.hpp"
#include "api/schedule_json.hpp"
#include "schedule/rule.hpp"

namespace smsgw::api {

using json = nlohmann::json;

void Router::Impl::schedule_preview(Call& call, Request& req) {
  auto doc = json_body(call, req);
  if (!doc) return;
  std::string line;
  int count = 5;
  std::vector<FieldError> errors;
  bool has_when = false;
  for (const auto& [key, value] : doc->items()) {
    if (key == "when") {
      has_when = true;
      if (!value.is_string() || value.get_ref<const std::string&>().size() > 500) {
        errors.push_back({"when", "must be a string of at most 500 bytes"});
      } else {
        line = value.get<std::string>();
      }
    } else if (key == "count") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 1 || value.get<std::int64_t>() > 100) {
        errors.push_back({"count", "must be an integer from 1 to 100"});
      } else {
        count = value.get<int>();
      }
    } else {
      errors.push_back({key, "unknown field"});
    }
  }
  if (!has_when) errors.push_back({"when", "is required"});
  std::optional<schedule::When> when;
  if (errors.empty()) {
    std::string error;
    when = schedule::parse_when(line, tz, error);
    if (!when) errors.push_back({"when", error});
  }
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid fields", errors);
  auto cal = current_calendar();
  json next = json::array();
  for (const auto& o : schedule::next_occurrences(*when, *cal, tz, now(), count)) {
    next.push_back(occurrence_json(o, tz));
  }
  finish(call, json_response(200, dump(json{{"when", line}, {"next", std::move(next)}})));
}

}  // namespace smsgw::api
