// Replies (issue 14): POST /v1/inbound/{carrier} for carriers and systems that push messages in
// our own shape, GET /v1/inbound and /v1/inbound/{id} to read them, and the suppression list
// that opt-out replies feed (GET/POST /v1/suppressions, DELETE /v1/suppressions/{phone}).
#include <spdlog/spdlog.h>

#include <string>

#include <nlohmann/json.hpp>

#include "api/http_util.hpp"
#include "api/json_fields.hpp"
#include "api/router_impl.hpp"
#include "common/time.hpp"

namespace smsgw::api {

namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

// A push carries at most this many messages (the same bound as a callback's reports).
constexpr std::size_t kMaxInboundPerPush = adapters::kMaxReportsPerCallback;

json inbound_json(const store::InboundRow& r, bool masked) {
  return {{"id", std::to_string(r.id)},
          {"carrier", r.carrier},
          {"carrier_id", string_or_null(r.carrier_id)},
          {"from", masked ? mask_phone(r.from) : r.from},
          {"to", r.to},
          {"text", r.text},
          {"received_at", time_or_null(r.received_at)},
          {"batch_id", r.batch_id ? json(std::to_string(*r.batch_id)) : json(nullptr)},
          {"message_id", r.message_id ? json(std::to_string(*r.message_id)) : json(nullptr)},
          {"matched_by", string_or_null(r.matched_by)},
          {"kind", r.kind}};
}

json suppression_json(const store::SuppressionRow& r, bool masked) {
  return {{"phone", masked ? mask_phone(r.phone) : r.phone},
          {"reason", r.reason},
          {"source", r.source},
          {"note", r.note},
          {"created_at", time_or_null(r.created_at)}};
}

// One pushed message; field errors are prefixed with `at` ("" for a lone object, "[3]." in an
// array).
std::optional<adapters::Inbound> read_pushed(const json& doc, const std::string& at,
                                             std::vector<FieldError>& errors) {
  std::vector<FieldError> own;
  if (!doc.is_object()) {
    errors.push_back({at.empty() ? "body" : at.substr(0, at.size() - 1), "must be an object"});
    return std::nullopt;
  }
  unknown_fields(doc, {"id", "from", "to", "text", "received_at"}, own);
  adapters::Inbound in;
  if (!doc.contains("from")) own.push_back({"from", "is required"});
  if (auto from = phone_field(doc, own, "from")) in.from = *from;
  if (auto id = string_field(doc, "id", own)) {
    if (!adapters::valid_carrier_message_id(*id)) {
      own.push_back({"id", "must be 1 to 128 printable ASCII characters"});
    } else {
      in.carrier_id = *id;
    }
  }
  if (auto to = string_field(doc, "to", own)) {
    if (to->size() > 32 || to->find_first_not_of("+0123456789") != std::string::npos) {
      own.push_back({"to", "must be the number it was sent to: up to 32 digits"});
    } else {
      in.to = *to;
    }
  }
  if (!doc.contains("text")) own.push_back({"text", "is required"});
  if (auto text = string_field(doc, "text", own)) {
    if (text->size() > twoway::kMaxReplyText) {
      own.push_back({"text", "must be at most " + std::to_string(twoway::kMaxReplyText) + " bytes"});
    } else {
      in.text = *text;
    }
  }
  if (auto t = string_field(doc, "received_at", own)) {
    if (auto ms = parse_rfc3339(*t)) {
      in.received_at = *ms;
    } else {
      own.push_back({"received_at", "must be an RFC 3339 time such as 2026-12-01T09:30:00+08:00"});
    }
  }
  for (auto& e : own) errors.push_back({at + e.field, std::move(e.message)});
  if (!own.empty()) return std::nullopt;
  return in;
}

}  // namespace

void Router::Impl::post_inbound(Call& call, std::string_view carrier_name, Request& req) {
  std::string carrier(carrier_name);
  if (!deps.find_carrier || deps.find_carrier(carrier) == nullptr) {
    return problem(call, ProblemKind::not_found, "no such carrier");
  }
  auto doc = json_body(call, req, /*allow_array=*/true);
  if (!doc) return;
  std::vector<FieldError> errors;
  std::vector<adapters::Inbound> inbound;
  const bool many = doc->is_array();
  if (many) {
    if (doc->empty() || doc->size() > kMaxInboundPerPush) {
      return problem(call, ProblemKind::validation,
                     "an array of 1 to " + std::to_string(kMaxInboundPerPush) + " messages is expected");
    }
    inbound.reserve(doc->size());
    for (std::size_t i = 0; i < doc->size(); ++i) {
      if (auto in = read_pushed((*doc)[i], "[" + std::to_string(i) + "].", errors)) inbound.push_back(std::move(*in));
    }
  } else if (auto in = read_pushed(*doc, "", errors)) {
    inbound.push_back(std::move(*in));
  }
  // All or nothing: a carrier resends a refused push whole, so a half-stored one would come
  // back as duplicates and errors.
  if (!errors.empty()) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  intake.submit(carrier, {}, std::move(inbound),
                [self = shared_from_this(), call, many](std::error_code ec, reports::IntakeResult r) mutable {
                  self->on_io([self, call, ec, r = std::move(r), many]() mutable {
                    if (ec) {
                      return self->problem(call, kind_for_store_error(ec),
                                           store_error_detail(ec, "the message could not be stored"));
                    }
                    json results = json::array();
                    for (std::int64_t id : r.inbound_ids) results.push_back({{"id", std::to_string(id)}});
                    // Duplicates carry the earlier row's id: a client may tell them by the count.
                    json body = many ? json{{"results", std::move(results)},
                                            {"stored", r.inbound_stored},
                                            {"duplicates", r.inbound_duplicate}}
                                     : json{{"id", results.empty() ? json(nullptr) : results[0]["id"]},
                                            {"duplicate", r.inbound_duplicate > 0}};
                    self->finish(call, json_response(200, dump(body)));
                  });
                });
}

void Router::Impl::list_inbound(Call& call, const Principal& who, std::string_view target) {
  store::InboundFilter filter;
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    auto id_of = [&](std::optional<std::int64_t>& out) {
      out = parse_id(value);
      if (!out) errors.push_back({key, "must be an id"});
    };
    auto time_of = [&](UnixMs& out) {
      auto t = parse_rfc3339(value);
      if (!t) errors.push_back({key, "must be an RFC 3339 time such as 2026-12-01T00:00:00+08:00"});
      else out = *t;
    };
    if (key == "from") {
      PhoneResult p = normalize_phone(value);
      if (!p.ok()) errors.push_back({"from", p.error});
      else filter.from = p.e164;
    } else if (key == "carrier") {
      filter.carrier = value;
    } else if (key == "kind") {
      if (value != "reply" && value != "opt_out" && value != "opt_in" && value != "vote") {
        errors.push_back({"kind", "must be reply, opt_out, opt_in or vote"});
      } else {
        filter.kind = value;
      }
    } else if (key == "batch_id") {
      id_of(filter.batch_id);
    } else if (key == "message_id") {
      id_of(filter.message_id);
    } else if (key == "since") {
      time_of(filter.since);
    } else if (key == "until") {
      time_of(filter.until);
    } else if (key == "limit") {
      auto n = parse_id(value);
      if (!n || *n > 1000) errors.push_back({"limit", "must be an integer from 1 to 1000"});
      else filter.limit = static_cast<int>(*n);
    } else if (key == "cursor") {
      auto c = parse_id(value);
      if (!c) errors.push_back({"cursor", "is not a cursor from next_cursor"});
      else filter.before_id = *c;
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  const store::InboundPage page = deps.store.list_inbound(filter);
  json rows = json::array();
  for (const auto& r : page.rows) rows.push_back(inbound_json(r, who.masks_numbers()));
  const json body = {{"inbound", std::move(rows)},
                     {"next_cursor", page.next_before ? json(std::to_string(page.next_before)) : json(nullptr)}};
  finish(call, json_response(200, dump(body)));
}

void Router::Impl::get_inbound(Call& call, const Principal& who, std::string_view param) {
  auto id = parse_id(param);
  std::optional<store::InboundRow> row;
  if (id) row = deps.store.get_inbound(*id);
  if (!row) return problem(call, ProblemKind::not_found, "no inbound message with this id");
  finish(call, json_response(200, dump(inbound_json(*row, who.masks_numbers()))));
}

void Router::Impl::list_suppressions(Call& call, const Principal& who, std::string_view target) {
  std::string after;
  std::optional<std::string> phone;
  int limit = 100;
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    if (key == "phone") {
      PhoneResult p = normalize_phone(value);
      if (!p.ok()) errors.push_back({"phone", p.error});
      else phone = p.e164;
    } else if (key == "limit") {
      auto n = parse_id(value);
      if (!n || *n > 1000) errors.push_back({"limit", "must be an integer from 1 to 1000"});
      else limit = static_cast<int>(*n);
    } else if (key == "cursor") {
      PhoneResult p = normalize_phone(value);
      if (!p.ok()) errors.push_back({"cursor", "is not a cursor from next_cursor"});
      else after = p.e164;
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  const bool masked = who.masks_numbers();
  json rows = json::array();
  json next = nullptr;
  if (phone) {
    if (auto row = deps.store.get_suppression(*phone)) rows.push_back(suppression_json(*row, masked));
  } else {
    const store::SuppressionPage page = deps.store.list_suppressions(after, limit);
    for (const auto& r : page.rows) rows.push_back(suppression_json(r, masked));
    // A viewer's cursor must not reveal the number it hides.
    if (!page.next_after.empty() && !masked) next = page.next_after;
  }
  finish(call, json_response(200, dump(json{{"suppressions", std::move(rows)}, {"next_cursor", next}})));
}

void Router::Impl::add_suppression(Call& call, Request& req) {
  auto doc = json_body(call, req);
  if (!doc) return;
  std::vector<FieldError> errors;
  unknown_fields(*doc, {"phone", "note"}, errors);
  store::SuppressionRow row;
  if (!doc->contains("phone")) errors.push_back({"phone", "is required"});
  if (auto p = phone_field(*doc, errors)) row.phone = *p;
  row.note = string_field(*doc, "note", errors).value_or("");
  reject_control_characters(errors, "note", row.note);
  if (row.note.size() > 500) errors.push_back({"note", "must be at most 500 bytes"});
  if (!errors.empty()) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  row.reason = "manual";
  row.source = call.actor ? call.actor->name : "";
  row.created_at = now();
  auto entry = audit(call, "suppression.add", "suppression", row.phone);
  const std::string phone = row.phone;
  deps.store.async_add_suppression(
      std::move(row),
      [self = shared_from_this(), call, phone](std::error_code ec, store::WriteResult r) mutable {
        self->on_io([self, call, phone, ec, r]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "not found", "this number is on the suppression list already");
          }
          auto got = self->deps.store.get_suppression(phone);
          if (!got) return self->problem(call, ProblemKind::internal, "the suppression vanished");
          self->finish(call, json_response(201, dump(suppression_json(*got, false))));
        });
      },
      std::move(entry));
}

void Router::Impl::remove_suppression(Call& call, std::string_view param) {
  PhoneResult p = normalize_phone(param);
  if (!p.ok()) return problem(call, ProblemKind::not_found, "this number is not on the suppression list");
  auto entry = audit(call, "suppression.remove", "suppression", p.e164);
  deps.store.async_remove_suppression(
      p.e164,
      [self = shared_from_this(), call](std::error_code ec, store::WriteResult r) mutable {
        self->on_io([self, call, ec, r]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "this number is not on the suppression list", "");
          }
          Response res{http::status::no_content, 11};
          self->finish(call, std::move(res));
        });
      },
      std::move(entry));
}

}  // namespace smsgw::api
