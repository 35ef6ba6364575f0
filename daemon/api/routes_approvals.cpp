// The two-person rule (issue 13; docs/console.md#approvals): a person's send to more than
// [console] approval_threshold recipients, or a schedule a person switches on, is held as an
// approval request until a second administrator approves it. Nothing is queued before: the
// send's body is kept as it was made and planned again when approved, and the batch, the
// decision and their audit entries commit in one transaction.

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/http_util.hpp"
#include "api/router_impl.hpp"
#include "common/phone.hpp"

namespace smsgw::api {

namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

constexpr std::size_t kSampleMessages = 3;

const char* kNoApproval = "no approval request with this id";

// Who decides, as the row records it: a person by name, a token as "token:<name>".
std::string decider_of(const Principal& who) { return who.person ? who.name : "token:" + who.name; }

}  // namespace

json Router::Impl::plan_summary(const SendPlan& plan, const SendRequest& sr) {
  const store::NewBatch& b = plan.batch;
  std::int64_t sms = 0;
  json sample = json::array();
  auto take = [&](const store::NewMessage& m) {
    sms += m.segments;
    if (sample.size() < kSampleMessages) {
      sample.push_back({{"to", mask_phone(m.to)}, {"text", m.text}, {"segments", m.segments}});
    }
  };
  if (b.stream) {
    store::NewMessage m;
    for (std::size_t i = 0; i < b.stream->size(); ++i) {
      b.stream->get(i, m);
      take(m);
    }
  } else {
    for (const auto& m : b.messages) take(m);
  }
  json skipped_by_reason = json::object();
  for (const auto& s : b.skips) {
    auto& n = skipped_by_reason[s.reason];
    n = n.is_number() ? n.get<std::int64_t>() + 1 : 1;
  }
  json out = {{"recipients", b.message_count()},
              {"sms", sms},
              {"skipped", b.skips.size()},
              {"skipped_by_reason", std::move(skipped_by_reason)},
              {"groups", sr.groups},
              {"numbers", sr.to.size()},
              {"template", sr.template_name ? json(*sr.template_name) : json(nullptr)},
              {"send_at", plan.due_at != 0 ? time_or_null(plan.due_at) : json(nullptr)},
              {"sample", std::move(sample)}};
  if (b.sample) out["draw"] = sample_json(*b.sample, true);  // masked like the messages above
  return out;
}

json Router::Impl::approval_json(const store::ApprovalRow& row) const {
  json summary = json::parse(row.summary, nullptr, false);
  if (summary.is_discarded()) summary = json::object();
  return {{"id", std::to_string(row.id)},
          {"kind", row.kind},
          {"status", store::effective_status(row, now())},
          {"requested_by", row.requested_by},
          {"requested_from", row.requested_from},
          {"requested_at", time_or_null(row.requested_at)},
          {"expires_at", time_or_null(row.expires_at)},
          {"summary", std::move(summary)},
          {"object_id", string_or_null(row.object_id)},
          {"decided_by", string_or_null(row.decided_by)},
          {"decided_at", row.decided_at != 0 ? time_or_null(row.decided_at) : json(nullptr)},
          {"note", string_or_null(row.note)}};
}

// Any thread (the send's worker). The answer goes through on_io.
void Router::Impl::hold_for_approval(Call& call, store::ApprovalRow row) {
  auto entry = audit(call, "approval.request", "approval", "");
  deps.store.async_create_approval(
      std::move(row),
      [self = shared_from_this(), call](std::error_code ec, store::WriteResult r, std::int64_t id) mutable {
        self->on_io([self, call, ec, r, id]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, kNoApproval, "conflict");
          }
          auto stored = self->deps.store.get_approval(id);
          if (!stored) return self->problem(call, ProblemKind::internal, "the approval request was not stored");
          spdlog::info("approval {}: {} by {} waits for a second administrator", id, stored->kind,
                       stored->requested_by);
          Response res = json_response(202, dump(json{{"approval", self->approval_json(*stored)}}));
          res.set(http::field::location, "/v1/approvals/" + std::to_string(id));
          self->finish(call, std::move(res));
        });
      },
      std::move(entry));
}

void Router::Impl::list_approvals(Call& call, std::string_view target) {
  store::ApprovalFilter filter;
  filter.now = now();
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (key == "status") {
      if (value != "pending" && value != "approved" && value != "rejected" && value != "expired") {
        errors.push_back({"status", "must be one of pending, approved, rejected, expired"});
      } else {
        filter.status = value;
      }
    } else if (key == "limit") {
      auto n = parse_id(value);
      if (!n || *n > 1000) errors.push_back({"limit", "must be an integer from 1 to 1000"});
      else filter.limit = static_cast<int>(*n);
    } else if (key == "cursor") {
      auto id = parse_id(value);
      if (!id) errors.push_back({"cursor", "is not a cursor from next_cursor"});
      else filter.before_id = *id;
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in the query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  store::ApprovalPage page = deps.store.list_approvals(filter);
  json list = json::array();
  for (const auto& row : page.rows) list.push_back(approval_json(row));
  finish(call, json_response(200, dump(json{
                                       {"approvals", std::move(list)},
                                       {"next_cursor", page.next_before != 0 ? json(std::to_string(page.next_before))
                                                                             : json(nullptr)}})));
}

void Router::Impl::get_approval(Call& call, std::string_view param) {
  auto id = parse_id(param);
  std::optional<store::ApprovalRow> row;
  if (id) row = deps.store.get_approval(*id);
  if (!row) return problem(call, ProblemKind::not_found, kNoApproval);
  finish(call, json_response(200, dump(approval_json(*row))));
}

// Refuses a decision that cannot be taken (not pending, or the requester's own approval).
// nullopt when it may go ahead.
std::optional<std::pair<ProblemKind, std::string>> decision_refused(const store::ApprovalRow& row,
                                                                    const Principal& who, bool approving,
                                                                    UnixMs now) {
  const std::string status = store::effective_status(row, now);
  if (status != "pending") return std::make_pair(ProblemKind::conflict, "this request is " + status);
  const bool own = who.person && who.name == row.requested_by;
  if (approving && own) {
    return std::make_pair(ProblemKind::forbidden, std::string("nobody may approve their own request"));
  }
  if (!approving && !own && !who.allows(config::Scope::admin)) {
    return std::make_pair(ProblemKind::forbidden,
                          std::string("only an administrator or the person who asked may reject a request"));
  }
  return std::nullopt;
}

void Router::Impl::approve(Call& call, const Principal& who, std::string_view param) {
  auto id = parse_id(param);
  std::optional<store::ApprovalRow> row;
  if (id) row = deps.store.get_approval(*id);
  if (!row) return problem(call, ProblemKind::not_found, kNoApproval);
  const UnixMs at = now();
  if (auto refused = decision_refused(*row, who, true, at)) {
    return problem(call, refused->first, refused->second);
  }
  store::ApprovalDecision decision{row->id, "approved", decider_of(who), at, "", ""};
  auto decided = audit(call, "approval.approve", "approval", std::to_string(row->id), false);

  if (row->kind == "schedule.enable") {
    auto schedule_id = parse_id(row->object_id);
    if (!schedule_id) return problem(call, ProblemKind::internal, "the request names no schedule");
    auto enabled = audit(call, "schedule.resume", "schedule", row->object_id);
    enabled.detail = dump(json{{"approval", std::to_string(row->id)}, {"requested_by", row->requested_by}});
    return deps.store.async_approve_schedule_enable(
        std::move(decision), *schedule_id,
        [self = shared_from_this(), call, id = row->id](std::error_code ec, store::WriteResult r) mutable {
          self->on_io([self, call, ec, r, id]() mutable {
            if (ec || r != store::WriteResult::ok) {
              return self->write_failed(call, ec, r, "the schedule no longer exists",
                                        "this request was decided meanwhile or has expired");
            }
            self->schedules_changed();
            auto stored = self->deps.store.get_approval(id);
            if (!stored) return self->problem(call, ProblemKind::not_found, kNoApproval);
            self->finish(call, json_response(200, dump(json{{"approval", self->approval_json(*stored)}})));
          });
        },
        std::move(enabled), std::move(decided));
  }
  if (row->kind != "send") return problem(call, ProblemKind::internal, "unknown kind of request");

  // The send is planned again as the person made it, now: the groups' members and the
  // templates of this moment, the same checks as POST /v1/messages.
  const SendContext ctx{deps.store, limits, sms, tz, at, mappings};
  offload([self = shared_from_this(), call, row = std::move(*row), ctx, decision = std::move(decision),
           decided = std::move(decided)]() mutable {
    auto fail = [&](std::string detail, std::vector<FieldError> errors) {
      self->on_io([self, call, detail = std::move(detail), errors = std::move(errors)]() mutable {
        self->problem(call, ProblemKind::validation, detail, errors);
      });
    };
    json doc = json::parse(row.request, nullptr, false);
    if (!doc.is_object()) return fail("the stored request cannot be read", {});
    SendRequest sr;
    std::vector<FieldError> errors;
    std::string detail = validate_send(doc, ctx.limits, ctx.now, sr, errors);
    if (!errors.empty()) {
      return fail("the request can no longer be sent as it was made (" + detail + "); reject it", errors);
    }
    SendPlan plan = plan_send(ctx, sr, "console:" + row.requested_by);
    if (!plan.errors.empty()) {
      return fail("the request can no longer be sent as it was made (" + plan.detail + "); reject it",
                  plan.errors);
    }
    // The send is the requester's (they chose it); the approval is the approver's.
    store::AuditEntry sent;
    sent.at = ctx.now;
    sent.actor = row.requested_by;
    sent.actor_kind = "person";
    sent.address = row.requested_from;
    sent.action = plan.batch.sample ? "message.draw" : "message.send";
    plan.batch.audit = std::move(sent);
    decided.detail = dump(json{{"batch", std::to_string(plan.batch.id)}});
    plan.batch.approval = std::move(decision);
    plan.batch.approval_audit = std::move(decided);
    const UnixMs send_at = plan.due_at;
    const std::int64_t approval_id = row.id;
    self->deps.store.async_enqueue(
        std::move(plan.batch), std::nullopt, std::move(plan.render),
        [self, call, send_at, approval_id](std::error_code ec, store::EnqueueResult result) mutable {
          self->on_io([self, call, send_at, approval_id, ec, result = std::move(result)]() mutable {
            if (!ec && result.kind == store::EnqueueResult::Kind::conflict) {
              return self->problem(call, ProblemKind::conflict, "this request was decided meanwhile or has expired");
            }
            if (ec) {
              return self->problem(call, kind_for_store_error(ec),
                                   store_error_detail(ec, "the messages could not be stored"));
            }
            self->deps.metrics.messages_accepted.inc({}, static_cast<double>(result.count));
            if (self->deps.on_enqueued && result.count > 0) self->deps.on_enqueued(send_at);
            auto stored = self->deps.store.get_approval(approval_id);
            json batch = json::parse(result.response, nullptr, false);
            json body = {{"approval", stored ? self->approval_json(*stored) : json(nullptr)},
                         {"batch", batch.is_discarded() ? json(nullptr) : std::move(batch)}};
            self->finish(call, json_response(200, dump(body)));
          });
        });
  });
}

void Router::Impl::reject(Call& call, const Principal& who, std::string_view param, Request& req) {
  auto id = parse_id(param);
  std::optional<store::ApprovalRow> row;
  if (id) row = deps.store.get_approval(*id);
  if (!row) return problem(call, ProblemKind::not_found, kNoApproval);
  std::string reason;
  if (!req.body().empty()) {
    auto doc = json_body(call, req);
    if (!doc) return;
    std::vector<FieldError> errors;
    for (const auto& [key, value] : doc->items()) {
      if (key != "reason") {
        errors.push_back({key, "unknown field"});
      } else if (!value.is_string() || value.get<std::string>().size() > 500) {
        errors.push_back({"reason", "must be a string of at most 500 bytes"});
      } else {
        reason = value.get<std::string>();
        reject_control_characters(errors, "reason", reason);
      }
    }
    if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid fields", errors);
  }
  const UnixMs at = now();
  if (auto refused = decision_refused(*row, who, false, at)) {
    return problem(call, refused->first, refused->second);
  }
  const bool own = who.person && who.name == row->requested_by;
  auto entry = audit(call, own ? "approval.withdraw" : "approval.reject", "approval", std::to_string(row->id));
  deps.store.async_decide_approval(
      store::ApprovalDecision{row->id, "rejected", decider_of(who), at, reason, ""},
      [self = shared_from_this(), call, id = row->id](std::error_code ec, store::WriteResult r) mutable {
        self->on_io([self, call, ec, r, id]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, kNoApproval, "this request was decided meanwhile or has expired");
          }
          auto stored = self->deps.store.get_approval(id);
          if (!stored) return self->problem(call, ProblemKind::not_found, kNoApproval);
          self->finish(call, json_response(200, dump(json{{"approval", self->approval_json(*stored)}})));
        });
      },
      std::move(entry));
}

}  // namespace smsgw::api

namespace smsgw::api {

bool Router::Impl::schedule_needs_approval(const Call& call) const {
  return console.approve_schedules && call.actor && call.actor->kind == "person";
}

void Router::Impl::request_schedule_enable(Call& call, std::int64_t schedule_id, const std::string& name) {
  schedules_changed();
  store::ApprovalRow row;
  row.kind = "schedule.enable";
  row.requested_by = call.actor ? call.actor->name : "";
  row.requested_from = call.actor ? call.actor->address : "";
  row.requested_at = now();
  row.expires_at = row.requested_at + console.approval_expiry.count();
  row.object_id = std::to_string(schedule_id);
  row.summary = dump(json{{"schedule", name}, {"schedule_id", row.object_id}});
  hold_for_approval(call, std::move(row));
}

}  // namespace smsgw::api
