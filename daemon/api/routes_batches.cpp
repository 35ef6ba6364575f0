// GET /v1/batches: the recent sends, newest first, for the console's reports page and for
// client systems that lost a batch id. GET /v1/batches/{id} answers one in the same shape.
#include <string>

#include <nlohmann/json.hpp>

#include "api/http_util.hpp"
#include "api/router_impl.hpp"

namespace smsgw::api {

using json = nlohmann::json;

json batch_json(const store::BatchSummary& b) {
  json by_status = json::object();
  for (const auto& [status, n] : b.by_status) by_status[std::string(to_string(status))] = n;
  json by_group = json::object();
  for (const auto& [group, counts] : b.by_group) {
    json g = json::object();
    for (const auto& [status, n] : counts) g[std::string(to_string(status))] = n;
    by_group[group] = std::move(g);
  }
  json j = {{"id", std::to_string(b.id)},
            {"source", b.source},
            {"created_at", time_or_null(b.created_at)},
            {"count", b.total},
            {"by_status", std::move(by_status)},
            {"skipped", b.skipped},
            {"skipped_by_reason", b.skipped_by_reason}};
  if (b.groups_counted) j["by_group"] = std::move(by_group);
  return j;
}

void Router::Impl::list_batches(Call& call, std::string_view target) {
  std::optional<std::int64_t> before;
  int limit = 50;
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    if (key == "limit") {
      auto n = parse_id(value);
      if (!n || *n > 1000) errors.push_back({"limit", "must be an integer from 1 to 1000"});
      else limit = static_cast<int>(*n);
    } else if (key == "cursor") {
      before = parse_id(value);
      if (!before) errors.push_back({"cursor", "is not a cursor from next_cursor"});
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  const store::BatchPage page = deps.store.list_batches(before, limit);
  json batches = json::array();
  for (const auto& b : page.batches) batches.push_back(batch_json(b));
  const json body = {{"batches", std::move(batches)},
                     {"next_cursor", page.next_cursor ? json(std::to_string(*page.next_cursor)) : json(nullptr)}};
  finish(call, json_response(200, dump(body)));
}

}  // namespace smsgw::api
