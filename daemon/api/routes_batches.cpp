// GET /v1/batches: the recent sends, newest first, for the console's reports page and for
// client systems that lost a batch id. GET /v1/batches/{id} answers one in the same shape.
// A send that asked for a reply (issue 14): GET /v1/batches/{id}/replies, each recipient's
// answer (JSON, or CSV for Excel), and POST /v1/batches/{id}/remind to those with none.
#include <string>

#include <nlohmann/json.hpp>

#include "api/http_util.hpp"
#include "api/json_fields.hpp"
#include "common/time.hpp"
#include "api/router_impl.hpp"

namespace smsgw::api {

namespace http = boost::beast::http;
using json = nlohmann::json;

// A random draw: its seed, and who was drawn (get_batch reads them; the list of batches not).
json sample_json(const store::SampleSpec& s, bool masked) {
  json drawn = json::array();
  for (const auto& d : s.drawn) {
    drawn.push_back({{"to", masked ? mask_phone(d.phone) : d.phone}, {"name", d.name}, {"unit", d.unit}});
  }
  return {{"seed", s.seed}, {"size", s.size}, {"population", s.population}, {"drawn", std::move(drawn)}};
}

json batch_json(const store::BatchSummary& b, bool masked) {
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
  if (b.sample) {
    j["sample"] = sample_json(*b.sample, masked);
  }
  if (b.confirm) {
    j["confirm"] = {{"yes", b.confirm->yes},
                    {"no", b.confirm->no},
                    {"until", time_or_null(b.confirm->until)},
                    {"counts_for", std::to_string(b.confirm->counts_for != 0 ? b.confirm->counts_for : b.id)}};
    j["confirmations"] = b.confirmations;
  }
  return j;
}

void Router::Impl::list_batches(Call& call, const Principal& who, std::string_view target) {
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
  for (const auto& b : page.batches) batches.push_back(batch_json(b, who.masks_numbers()));
  const json body = {{"batches", std::move(batches)},
                     {"next_cursor", page.next_cursor ? json(std::to_string(*page.next_cursor)) : json(nullptr)}};
  finish(call, json_response(200, dump(body)));
}

void Router::Impl::batch_replies(Call& call, const Principal& who, std::string_view param, std::string_view target) {
  auto id = parse_id(param);
  std::optional<store::BatchSummary> b;
  if (id) b = deps.store.get_batch(*id, false);
  if (!b) return problem(call, ProblemKind::not_found, "no batch with this id");
  if (!b->confirm) return problem(call, ProblemKind::conflict, "this send did not ask for a reply (no \"confirm\")");
  std::string status, after;
  int limit = 100;
  bool csv = false;
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    if (key == "status") {
      if (value != "confirmed" && value != "declined" && value != "unreadable" && value != "no_reply") {
        errors.push_back({"status", "must be confirmed, declined, unreadable or no_reply"});
      } else {
        status = value;
      }
    } else if (key == "limit") {
      auto n = parse_id(value);
      if (!n || *n > 1000) errors.push_back({"limit", "must be an integer from 1 to 1000"});
      else limit = static_cast<int>(*n);
    } else if (key == "cursor") {
      PhoneResult p = normalize_phone(value);
      if (!p.ok()) errors.push_back({"cursor", "is not a cursor from next_cursor"});
      else after = p.e164;
    } else if (key == "format") {
      if (value != "csv" && value != "json") errors.push_back({"format", "must be csv or json"});
      csv = value == "csv";
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  // The send it counts for: a reminder's replies are the original's.
  const std::int64_t counted = b->confirm->counts_for != 0 ? b->confirm->counts_for : b->id;
  const bool masked = who.masks_numbers();
  if (csv) {
    // Every recipient, for Excel: a byte order mark keeps the Chinese intact, and a cell
    // starting with = + - @ is prefixed with ' (a reply is the sender's text, not a formula).
    const auto cell = csv_cell;
    std::string out = "\xEF\xBB\xBFto,status,text,at\r\n";
    std::string from;
    for (;;) {
      const store::ReplyPage page = deps.store.list_replies(counted, status, from, 1000);
      for (const auto& r : page.rows) {
        out += cell(masked ? mask_phone(r.to) : r.to) + "," + r.status + "," + cell(r.text) + "," +
               (r.at != 0 ? format_rfc3339(r.at) : std::string()) + "\r\n";
      }
      if (page.next_after.empty()) break;
      from = page.next_after;
    }
    Response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/csv; charset=utf-8");
    res.set(http::field::content_disposition, "attachment; filename=\"batch-" + std::to_string(b->id) + "-replies.csv\"");
    res.body() = std::move(out);
    return finish(call, std::move(res));
  }
  const store::ReplyPage page = deps.store.list_replies(counted, status, after, limit);
  json rows = json::array();
  for (const auto& r : page.rows) {
    rows.push_back({{"to", masked ? mask_phone(r.to) : r.to},
                    {"status", r.status},
                    {"text", string_or_null(r.text)},
                    {"at", time_or_null(r.at)}});
  }
  json body = {{"batch_id", std::to_string(counted)},
               {"confirmations", deps.store.get_batch(counted, false).value_or(*b).confirmations},
               {"replies", std::move(rows)},
               {"next_cursor", page.next_after.empty() || masked ? json(nullptr) : json(page.next_after)}};
  finish(call, json_response(200, dump(body)));
}

void Router::Impl::remind(Call& call, const Principal& who, std::string_view param, Request& req) {
  auto id = parse_id(param);
  std::optional<store::BatchSummary> b;
  if (id) b = deps.store.get_batch(*id, false);
  if (!b) return problem(call, ProblemKind::not_found, "no batch with this id");
  if (!b->confirm) return problem(call, ProblemKind::conflict, "this send did not ask for a reply (no \"confirm\")");
  auto doc = json_body(call, req);
  if (!doc) return;
  std::vector<FieldError> errors;
  for (const char* own : {"to", "groups", "confirm"}) {
    if (doc->contains(own)) errors.push_back({own, "a reminder goes to the send's non-responders; leave it out"});
  }
  if (!errors.empty()) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  const std::int64_t counted = b->confirm->counts_for != 0 ? b->confirm->counts_for : b->id;
  const UnixMs now = this->now();
  if (b->confirm->until <= now) {
    return problem(call, ProblemKind::conflict, "replies to this send are no longer counted (confirm.until has passed)");
  }
  json phones = json::array();
  for (std::string after;;) {
    const store::ReplyPage page = deps.store.list_replies(counted, "no_reply", after, 1000);
    for (const auto& r : page.rows) phones.push_back(r.to);
    if (page.next_after.empty()) break;
    after = page.next_after;
  }
  if (phones.empty()) return problem(call, ProblemKind::conflict, "everyone has replied: there is no one to remind");
  (*doc)["to"] = std::move(phones);
  SendRequest sr;
  std::string detail = validate_send(*doc, limits, now, sr, errors);
  if (!errors.empty()) return problem(call, ProblemKind::validation, detail, errors);
  sr.confirm = b->confirm;
  sr.confirm->counts_for = counted;
  SendContext ctx{deps.store, limits, sms, tz, now, mappings};
  // Not held for approval: it goes to people the approved (or small) send already reached.
  offload([self = shared_from_this(), call, sr = std::move(sr), ctx, source = source_of(who)]() mutable {
    self->plan_and_enqueue(call, std::move(sr), std::nullopt, ctx, std::move(source), SendMode{});
  });
}

}  // namespace smsgw::api
