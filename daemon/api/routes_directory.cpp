// Recipients, groups, templates and API tokens: the office's directory over HTTP.

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <set>
#include <unordered_set>
#include <variant>

#include "api/send.hpp"
#include "sending/mappings.hpp"
#include "api/console_auth.hpp"
#include "api/http_util.hpp"
#include "api/json_fields.hpp"
#include "api/router_impl.hpp"
#include "common/crypto.hpp"
#include "common/password.hpp"
#include "common/phone.hpp"
#include "common/sms_encoding.hpp"
#include "common/time.hpp"
#include "directory/csv_import.hpp"
#include "templates/signature.hpp"
#include "templates/template.hpp"

namespace smsgw::api {

namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

// The name rules of groups (store contract) and of templates and tokens (URL path segments).
bool valid_group_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  auto ok = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (!first && (c == '_' || c == '-'));
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!ok(s[i], i == 0)) return false;
  }
  return true;
}


bool valid_scope(std::string_view s) {
  std::set<config::Scope> scopes;
  std::set<std::string> carriers;
  return config::parse_scope_word(s, scopes, carriers);
}

// A viewer reads every phone number masked, here as in the messages: the directory would
// otherwise hand out the numbers the message search hides.
json recipient_json(const store::Recipient& r, bool masked = false) {
  return {{"id", std::to_string(r.id)},     {"name", r.name},
          {"phone", masked ? mask_phone(r.phone) : r.phone}, {"unit", r.unit},
          {"title", r.title},               {"groups", r.groups},
          {"active", r.active},             {"created_at", time_or_null(r.created_at)},
          {"updated_at", time_or_null(r.updated_at)}};
}

json group_json(const store::Group& g) {
  return {{"name", g.name},
          {"description", g.description},
          {"members", g.members},
          {"active_members", g.active_members},
          {"created_at", time_or_null(g.created_at)}};
}

json template_json(const store::TemplateRow& t) {
  return {{"name", t.name},
          {"body", t.body},
          {"description", t.description},
          {"params", t.params},
          {"created_at", time_or_null(t.created_at)},
          {"updated_at", time_or_null(t.updated_at)}};
}

std::optional<std::vector<std::string>> groups_field(const json& doc,
                                                     std::vector<FieldError>& errors) {
  auto it = doc.find("groups");
  if (it == doc.end()) return std::nullopt;
  if (!it->is_array()) {
    errors.push_back({"groups", "must be an array of group names"});
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& g = (*it)[i];
    if (!g.is_string() || !valid_group_name(g.get_ref<const std::string&>())) {
      errors.push_back({"groups[" + std::to_string(i) + "]",
                        "must be a group name: lower-case letters, digits, '_' and '-'"});
    } else {
      out.push_back(g.get<std::string>());
    }
  }
  return out;
}

Response problem_with_positions(std::string_view detail, const json& errors) {
  Response res{static_cast<http::status>(status_of(ProblemKind::validation)), 11};
  res.set(http::field::content_type, kProblemContentType);
  res.set(http::field::cache_control, "no-store");
  res.body() = problem_body(ProblemKind::validation, detail, {}, json{{"errors", errors}});
  return res;
}

}  // namespace

namespace {

// The body as a JSON object under `limits`, or the answer that refuses it (400 malformed or
// over a limit, 422 not an object). No router state: callable on any thread.
std::variant<json, Response> json_object(const std::string& body, JsonLimits limits,
                                         bool allow_array = false) {
  JsonParse parsed = parse_json(body, limits);
  if (!parsed.ok()) {
    Response res = make_problem(ProblemKind::malformed_request, parsed.describe("the body"));
    if (parsed.failure != JsonFailure::syntax) {
      res.body() = problem_body(
          ProblemKind::malformed_request, parsed.describe("the body"), {},
          json{{"limit", {{"name", parsed.failure == JsonFailure::too_deep ? "json_max_depth"
                                                                           : "json_max_elements"},
                          {"value", parsed.limit}}}});
    }
    return res;
  }
  if (allow_array && parsed.value.is_array()) return std::move(parsed.value);
  if (!parsed.value.is_object()) {
    return make_problem(ProblemKind::validation,
                        allow_array ? "the body must be a JSON object or an array of them"
                                    : "the body must be a JSON object",
                        {{"", "must be a JSON object"}});
  }
  return std::move(parsed.value);
}

}  // namespace

std::optional<json> Router::Impl::json_body(Call& call, Request& req, bool allow_array) {
  if (!is_json_content_type(req[http::field::content_type])) {
    problem(call, ProblemKind::unsupported_media, "Content-Type must be application/json");
    return std::nullopt;
  }
  auto parsed = json_object(req.body(), json_limits(), allow_array);
  if (auto* res = std::get_if<Response>(&parsed)) {
    finish(call, std::move(*res));
    return std::nullopt;
  }
  return std::move(std::get<json>(parsed));
}

void Router::Impl::json_body_on_worker(Call& call, Request& req, std::function<void(json)> then) {
  if (!is_json_content_type(req[http::field::content_type])) {
    return problem(call, ProblemKind::unsupported_media, "Content-Type must be application/json");
  }
  offload([self = shared_from_this(), call, body = std::move(req.body()), limits = json_limits(),
           then = std::move(then)]() mutable {
    auto parsed = json_object(body, limits);
    if (auto* res = std::get_if<Response>(&parsed)) {
      return self->on_io([self, call, res = std::move(*res)]() mutable { self->finish(call, std::move(res)); });
    }
    then(std::move(std::get<json>(parsed)));
  });
}

void Router::Impl::write_failed(Call& call, std::error_code ec, store::WriteResult r,
                                std::string_view not_found, std::string_view conflict) {
  if (ec) {
    spdlog::error("directory write failed: {}", ec.message());
    return problem(call, kind_for_store_error(ec),
                   store_error_detail(ec, "the change could not be stored"));
  }
  if (r == store::WriteResult::not_found) return problem(call, ProblemKind::not_found, not_found);
  return problem(call, ProblemKind::conflict, conflict);
}

// ---------------------------------------------------------------------------- recipients

void Router::Impl::list_recipients(Call& call, const Principal& who, std::string_view target) {
  store::RecipientFilter filter;
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    if (key == "group") {
      filter.group = value;
    } else if (key == "q") {
      filter.q = value;
    } else if (key == "active") {
      if (value == "true") filter.active = true;
      else if (value == "false") filter.active = false;
      else errors.push_back({"active", "must be true or false"});
    } else if (key == "limit") {
      auto n = parse_id(value);
      if (!n || *n > 1000) errors.push_back({"limit", "must be an integer from 1 to 1000"});
      else filter.limit = static_cast<int>(*n);
    } else if (key == "cursor") {
      filter.after_id = parse_id(value);
      if (!filter.after_id) errors.push_back({"cursor", "is not a cursor from next_cursor"});
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  store::RecipientPage page = deps.store.list_recipients(filter);
  json list = json::array();
  for (const auto& r : page.recipients) list.push_back(recipient_json(r, who.masks_numbers()));
  json body = {{"recipients", std::move(list)},
               {"next_cursor", page.next_cursor ? json(std::to_string(*page.next_cursor))
                                                : json(nullptr)}};
  finish(call, json_response(200, dump(body)));
}

void Router::Impl::create_recipient(Call& call, Request& req) {
  auto doc = json_body(call, req);
  if (!doc) return;
  std::vector<FieldError> errors;
  unknown_fields(*doc, {"name", "phone", "unit", "title", "groups", "active"}, errors);
  store::RecipientUpsert row;
  auto name = string_field(*doc, "name", errors);
  if (!name || name->empty()) {
    if (!doc->contains("name") || name) errors.push_back({"name", "is required"});
  } else {
    row.name = *name;
  }
  if (!doc->contains("phone")) errors.push_back({"phone", "is required"});
  if (auto p = phone_field(*doc, errors)) row.phone = *p;
  row.unit = string_field(*doc, "unit", errors).value_or("");
  row.title = string_field(*doc, "title", errors).value_or("");
  reject_control_characters(errors, "name", row.name);
  reject_control_characters(errors, "unit", row.unit);
  reject_control_characters(errors, "title", row.title);
  row.groups = groups_field(*doc, errors);
  if (auto it = doc->find("active"); it != doc->end()) {
    if (it->is_boolean()) row.active = it->get<bool>();
    else errors.push_back({"active", "must be true or false"});
  }
  if (!errors.empty()) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  auto entry = audit(call, "recipient.create", "recipient", "");
  deps.store.async_create_recipient(
      std::move(row), [self = shared_from_this(), call = std::move(call)](
                          std::error_code ec, store::WriteResult r, std::int64_t id) mutable {
        self->on_io([self, call = std::move(call), ec, r, id]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "not found",
                                      "a recipient with this phone number exists");
          }
          auto got = self->deps.store.get_recipient(id);
          if (!got) return self->problem(call, ProblemKind::internal, "the recipient vanished");
          Response res = json_response(201, dump(recipient_json(*got)));
          res.set(http::field::location, "/v1/recipients/" + std::to_string(id));
          self->finish(call, std::move(res));
        });
      }, std::move(entry));
}

void Router::Impl::get_recipient(Call& call, const Principal& who, std::string_view param) {
  auto id = parse_id(param);
  std::optional<store::Recipient> r;
  if (id) r = deps.store.get_recipient(*id);
  if (!r) return problem(call, ProblemKind::not_found, "no recipient with this id");
  finish(call, json_response(200, dump(recipient_json(*r, who.masks_numbers()))));
}

void Router::Impl::patch_recipient(Call& call, std::string_view param, Request& req) {
  auto id = parse_id(param);
  if (!id) return problem(call, ProblemKind::not_found, "no recipient with this id");
  auto doc = json_body(call, req);
  if (!doc) return;
  std::vector<FieldError> errors;
  unknown_fields(*doc, {"name", "phone", "unit", "title", "groups", "active"}, errors);
  store::RecipientPatch patch;
  patch.name = string_field(*doc, "name", errors);
  if (patch.name && patch.name->empty()) errors.push_back({"name", "must not be empty"});
  patch.phone = phone_field(*doc, errors);
  patch.unit = string_field(*doc, "unit", errors);
  patch.title = string_field(*doc, "title", errors);
  reject_control_characters(errors, "name", patch.name);
  reject_control_characters(errors, "unit", patch.unit);
  reject_control_characters(errors, "title", patch.title);
  patch.groups = groups_field(*doc, errors);
  if (auto it = doc->find("active"); it != doc->end()) {
    if (it->is_boolean()) patch.active = it->get<bool>();
    else errors.push_back({"active", "must be true or false"});
  }
  if (!errors.empty()) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  auto entry = audit(call, "recipient.update", "recipient", std::to_string(*id));
  deps.store.async_update_recipient(
      *id, std::move(patch),
      [self = shared_from_this(), call = std::move(call), id = *id](std::error_code ec,
                                                                    store::WriteResult r) mutable {
        self->on_io([self, call = std::move(call), ec, r, id]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "no recipient with this id",
                                      "another recipient has this phone number");
          }
          auto got = self->deps.store.get_recipient(id);
          if (!got) return self->problem(call, ProblemKind::not_found, "no recipient with this id");
          self->finish(call, json_response(200, dump(recipient_json(*got))));
        });
      }, std::move(entry));
}

void Router::Impl::delete_recipient(Call& call, std::string_view param) {
  auto id = parse_id(param);
  if (!id) return problem(call, ProblemKind::not_found, "no recipient with this id");
  auto entry = audit(call, "recipient.delete", "recipient", std::to_string(*id));
  deps.store.async_delete_recipient(
      *id, [self = shared_from_this(), call = std::move(call)](std::error_code ec,
                                                               store::WriteResult r) mutable {
        self->on_io([self, call = std::move(call), ec, r]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "no recipient with this id", "conflict");
          }
          self->finish(call, Response{http::status::no_content, 11});
        });
      }, std::move(entry));
}

void Router::Impl::import_recipients(Call& call, Request& req) {
  const std::string_view ct = req[http::field::content_type];
  if (!iequals(trim(ct.substr(0, ct.find(';'))), "text/csv")) {
    return problem(call, ProblemKind::unsupported_media, "Content-Type must be text/csv");
  }
  std::optional<std::string> charset;
  for (std::string_view rest = ct; rest.find(';') != std::string_view::npos;) {
    rest = rest.substr(rest.find(';') + 1);
    std::string_view param = trim(rest.substr(0, rest.find(';')));
    auto eq = param.find('=');
    if (eq == std::string_view::npos || !iequals(trim(param.substr(0, eq)), "charset")) continue;
    std::string value(trim(param.substr(eq + 1)));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (value == "utf8") value = "utf-8";
    if (value != "utf-8" && value != "gbk" && value != "gb2312" && value != "gb18030") {
      return problem(call, ProblemKind::unsupported_media,
                     "charset must be utf-8, gbk, gb2312 or gb18030");
    }
    charset = std::move(value);
  }
  bool dry_run = false;
  std::vector<FieldError> errors;
  const bool ok = for_each_query_param(req.target(), [&](const std::string& k, const std::string& v) {
    if (k == "dry_run") {
      if (v == "true" || v == "1") dry_run = true;
      else if (v == "false" || v == "0" || v.empty()) dry_run = false;
      else errors.push_back({"dry_run", "must be true or false"});
    } else {
      errors.push_back({k, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);

  // Parsing and checking a 1 MiB file (15,000 rows, GBK decoding) takes tens of milliseconds:
  // off the io thread, like fan-out planning.
  offload([self = shared_from_this(), call, csv = std::move(req.body()), charset,
           dry_run]() mutable { self->import_parsed(call, csv, charset, dry_run); });
}

// Worker thread: parse, check, then answer (dry run, unreadable file) or hand the rows to the
// writer. Every answer goes through on_io.
void Router::Impl::import_parsed(Call& call, const std::string& csv,
                                 const std::optional<std::string>& charset, bool dry_run) {
  directory::CsvParseResult parsed = directory::parse_recipients_csv(csv, charset);
  json errs = json::array();
  bool whole_file = false;
  for (const auto& e : parsed.errors) {
    errs.push_back({{"line", e.line}, {"message", e.message}});
    whole_file = whole_file || e.line == 0;
  }
  auto answer = [this, &call](Response res) {
    on_io([self = shared_from_this(), call, res = std::move(res)]() mutable {
      self->finish(call, std::move(res));
    });
  };
  if (whole_file && parsed.rows.empty()) {
    Response res{static_cast<http::status>(status_of(ProblemKind::validation)), 11};
    res.set(http::field::content_type, kProblemContentType);
    res.body() = problem_body(ProblemKind::validation, "the file is not a recipient list", {},
                              json{{"errors", errs}, {"encoding", parsed.encoding}});
    return answer(std::move(res));
  }
  json body = {{"dry_run", dry_run}, {"encoding", parsed.encoding}, {"errors", std::move(errs)}};
  if (dry_run) {
    // One batched read, not a SELECT per row.
    std::vector<std::string> phones;
    phones.reserve(parsed.rows.size());
    for (const auto& row : parsed.rows) phones.push_back(row.phone);
    const store::UpsertCounts c = deps.store.count_upsert(phones);
    body["created"] = c.created;
    body["updated"] = c.updated;
    return answer(json_response(200, dump(body)));
  }
  std::vector<store::RecipientUpsert> rows;
  rows.reserve(parsed.rows.size());
  for (auto& r : parsed.rows) {
    store::RecipientUpsert u;
    u.name = std::move(r.name);
    u.phone = std::move(r.phone);
    u.unit = std::move(r.unit);
    u.title = std::move(r.title);
    // An empty groups cell keeps the recipient's memberships: re-importing a list exported
    // without groups must not take everyone out of their groups.
    if (!r.groups.empty()) u.groups = std::move(r.groups);
    rows.push_back(std::move(u));
  }
  auto entry = audit(call, "recipient.import", "", "", false);
  deps.store.async_upsert_recipients(
      std::move(rows), [self = shared_from_this(), call,
                        body = std::move(body)](std::error_code ec, store::UpsertCounts c) mutable {
        self->on_io([self, call, body = std::move(body), ec, c]() mutable {
          if (ec) {
            if (!store::is_overloaded(ec)) spdlog::error("recipient import failed: {}", ec.message());
            return self->problem(call, kind_for_store_error(ec),
                                 store_error_detail(ec, "the import could not be stored"));
          }
          body["created"] = c.created;
          body["updated"] = c.updated;
          self->finish(call, json_response(200, dump(body)));
        });
      }, std::move(entry));
}

// ---------------------------------------------------------------------------- groups

void Router::Impl::list_groups(Call& call) {
  json list = json::array();
  for (const auto& g : deps.store.list_groups()) list.push_back(group_json(g));
  finish(call, json_response(200, dump(json{{"groups", std::move(list)}})));
}

void Router::Impl::create_group(Call& call, Request& req) {
  auto doc = json_body(call, req);
  if (!doc) return;
  std::vector<FieldError> errors;
  unknown_fields(*doc, {"name", "description"}, errors);
  auto name = string_field(*doc, "name", errors);
  if (!name || !valid_group_name(*name)) {
    errors.push_back({"name", "is required: lower-case letters, digits, '_' and '-', at most 64"});
  }
  std::string description = string_field(*doc, "description", errors).value_or("");
  reject_control_characters(errors, "description", description);
  if (!errors.empty()) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  auto entry = audit(call, "group.create", "group", *name);
  deps.store.async_create_group(
      *name, std::move(description),
      [self = shared_from_this(), call = std::move(call), name = *name](
          std::error_code ec, store::WriteResult r) mutable {
        self->on_io([self, call = std::move(call), ec, r, name]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "not found", "a group with this name exists");
          }
          auto g = self->deps.store.get_group(name);
          if (!g) return self->problem(call, ProblemKind::internal, "the group vanished");
          Response res = json_response(201, dump(group_json(*g)));
          res.set(http::field::location, "/v1/groups/" + name);
          self->finish(call, std::move(res));
        });
      }, std::move(entry));
}

void Router::Impl::get_group(Call& call, const Principal& who, std::string_view param) {
  std::optional<std::string> name{std::string(param)};
  std::optional<store::Group> g;
  if (name) g = deps.store.get_group(*name);
  if (!g) return problem(call, ProblemKind::not_found, "no group with this name");
  json body = group_json(*g);
  store::RecipientFilter filter;
  filter.group = *name;
  filter.limit = 1000;
  json members = json::array();
  for (const auto& r : deps.store.list_recipients(filter).recipients) {
    members.push_back(recipient_json(r, who.masks_numbers()));
  }
  // The contract names the member list "members"; the count stays available as member_count.
  body["member_count"] = g->members;
  body["members"] = std::move(members);
  finish(call, json_response(200, dump(body)));
}

void Router::Impl::delete_group(Call& call, std::string_view param) {
  std::optional<std::string> name{std::string(param)};
  if (!name) return problem(call, ProblemKind::not_found, "no group with this name");
  auto entry = audit(call, "group.delete", "group", *name);
  deps.store.async_delete_group(
      *name, [self = shared_from_this(), call = std::move(call)](std::error_code ec,
                                                                 store::WriteResult r) mutable {
        self->on_io([self, call = std::move(call), ec, r]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "no group with this name", "conflict");
          }
          self->finish(call, Response{http::status::no_content, 11});
        });
      }, std::move(entry));
}

// ---------------------------------------------------------------------------- templates

namespace {

// Validates a template document (POST/PUT). Errors go to `errors` (JSON objects with field,
// message and, for parse errors, line and column).
std::optional<store::TemplateRow> template_from(const json& doc, std::optional<std::string> path_name,
                                                json& errors) {
  std::vector<FieldError> fe;
  unknown_fields(doc, {"name", "body", "description", "params", "created_at", "updated_at"}, fe);
  store::TemplateRow row;
  auto name = string_field(doc, "name", fe);
  if (path_name) {
    if (name && *name != *path_name) fe.push_back({"name", "must match the name in the URL"});
    name = path_name;
  }
  if (!name || !valid_name(*name)) {
    fe.push_back({"name", "is required: letters, digits, '_', '-' and '.', at most 64"});
  } else {
    row.name = *name;
  }
  auto body = string_field(doc, "body", fe);
  if (!body || body->empty()) {
    if (!doc.contains("body") || body) fe.push_back({"body", "is required"});
  } else {
    row.body = *body;
  }
  row.description = string_field(doc, "description", fe).value_or("");
  reject_control_characters(fe, "body", row.body, Newlines::allow);
  reject_control_characters(fe, "description", row.description);
  std::optional<std::vector<std::string>> params;
  if (auto it = doc.find("params"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) {
      fe.push_back({"params", "must be an array of names"});
    } else {
      params.emplace();
      for (std::size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string() || (*it)[i].get_ref<const std::string&>().empty()) {
          fe.push_back({"params[" + std::to_string(i) + "]", "must be a parameter name"});
        } else {
          params->push_back((*it)[i].get<std::string>());
        }
      }
    }
  }
  for (const auto& e : fe) errors.push_back({{"field", e.field}, {"message", e.message}});
  if (!row.body.empty()) {
    templates::Parsed parsed = templates::parse(row.body);
    if (!parsed.ok()) {
      errors.push_back({{"field", "body"},
                        {"message", parsed.error->to_string()},
                        {"line", parsed.error->line},
                        {"column", parsed.error->column},
                        {"offset", parsed.error->offset}});
    } else {
      if (!params) params = templates::infer_params(*parsed.tmpl);
      for (const auto& problem : templates::validate(*parsed.tmpl, *params)) {
        errors.push_back({{"field", "body"}, {"message", problem}});
      }
    }
  }
  if (!errors.empty()) return std::nullopt;
  row.params = std::move(*params);
  return row;
}

}  // namespace

// Templates run up to the body limit each (1 MiB, 100,000 params): reading and rendering them
// is worker work, like saving them.
void Router::Impl::list_templates(Call& call) {
  offload([self = shared_from_this(), call]() mutable {
    json list = json::array();
    for (const auto& t : self->deps.store.list_templates()) list.push_back(template_json(t));
    self->on_io([self, call, res = json_response(200, dump(json{{"templates", std::move(list)}}))]() mutable {
      self->finish(call, std::move(res));
    });
  });
}

void Router::Impl::create_template(Call& call, Request& req) {
  json_body_on_worker(call, req, [self = shared_from_this(), call](json doc) mutable {
    self->save_template(call, std::move(doc), std::nullopt);
  });
}

void Router::Impl::put_template(Call& call, std::string_view param, Request& req) {
  json_body_on_worker(call, req, [self = shared_from_this(), call, name = std::string(param)](json doc) mutable {
    self->save_template(call, std::move(doc), name);
  });
}

// POST (no name in the URL) and PUT, on the worker: a template at the body limit (100,000
// placeholders) takes a few hundred milliseconds to validate and as long again to read back
// and render as JSON; the io thread only answers.
void Router::Impl::save_template(Call& call, json doc, std::optional<std::string> path_name) {
  json errors = json::array();
  auto row = template_from(doc, path_name, errors);
  if (!row) {
    return on_io([self = shared_from_this(), call,
                  res = problem_with_positions("the template is invalid", errors)]() mutable {
      self->finish(call, std::move(res));
    });
  }
  const bool create = !path_name;
  const std::string name = row->name;
  auto entry = audit(call, create ? "template.create" : "template.update", "template", name);
  deps.store.async_put_template(
      std::move(*row), create,
      [self = shared_from_this(), call, name, create](std::error_code ec, store::WriteResult r) mutable {
        if (ec || r != store::WriteResult::ok) {
          return self->on_io([self, call, ec, r, create]() mutable {
            if (create) {
              self->write_failed(call, ec, r, "not found",
                                 "a template with this name exists; use PUT to replace it");
            } else {
              self->write_failed(call, ec, r, "no template with this name", "conflict");
            }
          });
        }
        self->offload([self, call, name, create]() mutable {
          auto t = self->deps.store.get_template(name);
          if (!t) {
            return self->on_io([self, call]() mutable {
              self->problem(call, ProblemKind::internal, "the template vanished");
            });
          }
          Response res = json_response(create ? 201 : 200, dump(template_json(*t)));
          if (create) res.set(http::field::location, "/v1/templates/" + name);
          self->on_io([self, call, res = std::move(res)]() mutable { self->finish(call, std::move(res)); });
        });
      }, std::move(entry));
}

void Router::Impl::get_template(Call& call, std::string_view param) {
  offload([self = shared_from_this(), call, name = std::string(param)]() mutable {
    std::optional<store::TemplateRow> t = self->deps.store.get_template(name);
    Response res = t ? json_response(200, dump(template_json(*t)))
                     : make_problem(ProblemKind::not_found, "no template with this name");
    self->on_io([self, call, res = std::move(res)]() mutable { self->finish(call, std::move(res)); });
  });
}

void Router::Impl::delete_template(Call& call, std::string_view param) {
  std::optional<std::string> name{std::string(param)};
  if (!name) return problem(call, ProblemKind::not_found, "no template with this name");
  auto entry = audit(call, "template.delete", "template", *name);
  deps.store.async_delete_template(
      *name, [self = shared_from_this(), call = std::move(call)](std::error_code ec,
                                                                 store::WriteResult r) mutable {
        self->on_io([self, call = std::move(call), ec, r]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "no template with this name", "conflict");
          }
          self->finish(call, Response{http::status::no_content, 11});
        });
      }, std::move(entry));
}

void Router::Impl::preview_template(Call& call, std::string_view param, Request& req) {
  // With "body" in the request the text being written is previewed (the console's editor, as
  // one types), so the template need not exist yet; without it, the stored one.
  std::optional<store::TemplateRow> stored = deps.store.get_template(std::string(param));
  store::TemplateRow t_row;
  t_row.name = std::string(param);
  if (stored) t_row = std::move(*stored);
  const bool exists = stored.has_value();
  // Parsing up to 100,000 params, indexing them and rendering a template of up to 1 MiB take
  // as long as validating it on save: the worker does it. Router state that a SIGHUP changes
  // on the io thread is copied here.
  // What each carrier can send, read here on the io thread (adapters live on it).
  struct CarrierView {
    std::string name;
    bool text = true, templates = false;
    NumberRules rules = {};  // its routing rules (operators, countries)
  };
  std::vector<CarrierView> views;
  for (const auto& name : carrier_names) {
    const adapters::Adapter* a = deps.find_carrier ? deps.find_carrier(name) : nullptr;
    if (a == nullptr) continue;
    views.push_back({name, a->sends_text(), a->sends_templates()});
    if (auto r = carrier_rules.find(name); r != carrier_rules.end()) views.back().rules = r->second;
  }
  json_body_on_worker(call, req, [self = shared_from_this(), call, t = std::move(t_row), exists,
                                  signatures = carrier_signatures, signature = sms.signature,
                                  sms_signature = sms.signature, mappings = mappings,
                                  views = std::move(views),
                                  dates = date_values(tz, now())](json doc) mutable {
    auto answer = [&](Response res) {
      self->on_io([self, call, res = std::move(res)]() mutable { self->finish(call, std::move(res)); });
    };
    std::vector<FieldError> errors;
    unknown_fields(doc, {"params", "recipient", "carrier", "body"}, errors);
    bool draft = false;
    if (auto it = doc.find("body"); it != doc.end() && !it->is_null()) {
      if (!it->is_string()) {
        errors.push_back({"body", "must be a string"});
      } else {
        t.body = it->get<std::string>();
        draft = true;
        reject_control_characters(errors, "body", t.body, Newlines::allow);
      }
    }
    if (!draft && !exists) {
      return answer(make_problem(ProblemKind::not_found, "no template with this name"));
    }
    // A carrier with a signature of its own sends with that one instead of [sms] signature.
    if (auto it = doc.find("carrier"); it != doc.end() && !it->is_null()) {
      if (!it->is_string()) {
        errors.push_back({"carrier", "must be a carrier name"});
      } else if (self->deps.find_carrier && self->deps.find_carrier(it->get<std::string>()) == nullptr) {
        errors.push_back({"carrier", "no carrier named \"" + it->get<std::string>() + "\""});
      } else if (auto sig = signatures.find(it->get<std::string>()); sig != signatures.end()) {
        signature = sig->second;
      }
    }
    Params params;
    if (auto it = doc.find("params"); it != doc.end()) params = parse_params(*it, errors);
    std::string rname, rtitle, runit;
    std::optional<PhoneClass> rphone;  // recipient.phone: which carriers' rules take it
    bool has_recipient = false;
    if (auto it = doc.find("recipient"); it != doc.end() && !it->is_null()) {
      if (!it->is_object()) {
        errors.push_back({"recipient", "must be an object with name, title, unit"});
      } else {
        has_recipient = true;
        for (const auto& [k, v] : it->items()) {
          if (!v.is_string()) {
            errors.push_back({"recipient." + k, "must be a string"});
          } else if (k == "name") {
            rname = v.get<std::string>();
          } else if (k == "title") {
            rtitle = v.get<std::string>();
          } else if (k == "unit") {
            runit = v.get<std::string>();
          } else if (k == "phone") {
            if (PhoneResult p = normalize_phone(v.get_ref<const std::string&>()); p.ok()) {
              rphone = classify_phone(p.e164);
            } else {
              errors.push_back({"recipient.phone", p.error});
            }
          } else {
            errors.push_back({"recipient." + k, "unknown field"});
          }
          // (normalize_phone already refuses any control character in a phone)
          if (v.is_string() && k != "phone")
            reject_control_characters(errors, "recipient." + k, v.get<std::string>());
        }
      }
    }
    if (!errors.empty())
      return answer(make_problem(ProblemKind::validation, errors_detail(errors.size()), errors));
    templates::Parsed parsed = templates::parse(t.body);
    if (!parsed.ok() && draft) {
      return answer(make_problem(ProblemKind::validation, "the body does not parse",
                                 {{"body", parsed.error->to_string()}}));
    }
    if (!parsed.ok()) {
      return answer(make_problem(ProblemKind::internal,
                                 "the stored template does not parse: " + parsed.error->to_string()));
    }
    const RecipientFields rf{rname, rtitle, runit};
    const ParamIndex index(params);
    auto rendered = templates::render(*parsed.tmpl, [&](std::string_view n) {
      return lookup_value(n, index, has_recipient ? &rf : nullptr, dates);
    });
    if (!rendered.missing.empty()) {
      for (const auto& m : rendered.missing) {
        const bool builtin = m == "name" || m == "title" || m == "unit";
        errors.push_back({builtin ? "recipient." + m : "params." + m, "is required by the template"});
      }
      std::string names;
      for (const auto& m : rendered.missing) names += (names.empty() ? "" : ", ") + m;
      return answer(make_problem(ProblemKind::validation, "missing values: " + names, errors));
    }
    const std::string text = templates::apply_signature(rendered.text, signature);
    const SmsLength len = measure_sms(text);
    json body = {{"text", text},
                 {"encoding", std::string(to_string(len.encoding))},
                 {"chars", len.chars},
                 {"segments", std::max(1, len.segments)},
                 {"units", len.units},
                 {"signature", signature}};
    // What each carrier would receive: its template call where it maps this template, else the
    // text with its signature, or why it cannot send it.
    const std::vector<sending::CarrierCall>* calls = mappings ? mappings->find(t.name) : nullptr;
    json per_carrier = json::array();
    for (const auto& v : views) {
      const sending::CarrierCall* call_for = nullptr;
      if (calls != nullptr && v.templates) {
        for (const auto& c : *calls) {
          if (c.carrier == v.name) call_for = &c;
        }
      }
      json entry = {{"carrier", v.name}};
      if (rphone && !v.rules.takes(*rphone)) {
        entry["cannot_send"] = "it takes only " + v.rules.describe() + ", not " +
                               describe_numbers(*rphone);
      } else if (call_for != nullptr) {
        json params = call_for->named ? json::object() : json::array();
        std::vector<std::string> lacking;
        for (const auto& [name, p] : call_for->params) {
          auto r = templates::render(*p.tmpl, [&](std::string_view n) {
            return lookup_value(n, index, has_recipient ? &rf : nullptr, dates);
          });
          for (auto& m : r.missing) lacking.push_back(std::move(m));
          if (call_for->named) {
            params[name] = r.text;
          } else {
            params.push_back(r.text);
          }
        }
        if (!lacking.empty()) {
          std::string names;
          for (const auto& m : lacking) names += (names.empty() ? "" : ", ") + m;
          entry["cannot_send"] = "its template mapping needs " + names;
        } else {
          entry["template"] = {{"code", call_for->code}, {"params", std::move(params)}};
        }
      } else if (v.text) {
        const auto own = signatures.find(v.name);
        entry["text"] = templates::apply_signature(
            rendered.text, own != signatures.end() ? std::string_view(own->second)
                                                   : std::string_view(sms_signature));
      } else {
        entry["cannot_send"] = "it sends only its approved templates and has no mapping for \"" +
                               t.name + "\" ([carriers.templates." + t.name + "])";
      }
      per_carrier.push_back(std::move(entry));
    }
    body["carriers"] = std::move(per_carrier);
    answer(json_response(200, dump(body)));
  });
}

// ---------------------------------------------------------------------------- tokens

namespace {

std::optional<config::TokenConfig> token_config(const store::TokenRow& row) {
  if (row.revoked_at) return std::nullopt;
  config::TokenConfig t;
  t.name = row.name;
  t.sha256 = row.sha256;
  for (const auto& s : row.scopes) {
    // An old "callback" scope (before callbacks were bound to a carrier) grants nothing.
    if (!config::parse_scope_word(s, t.scopes, t.callback_carriers)) {
      spdlog::warn("api token {}: scope \"{}\" is no longer valid and is ignored; create a new "
                   "token with callback:<carrier>", row.name, s);
    }
  }
  return t;
}

}  // namespace

void Router::Impl::load_store_tokens() {
  std::vector<config::TokenConfig> tokens;
  for (const auto& row : deps.store.list_tokens()) {
    if (auto t = token_config(row)) tokens.push_back(std::move(*t));
  }
  auth.set_store_tokens(tokens);
}

void Router::Impl::list_tokens(Call& call) {
  json list = json::array();
  auto scopes_json = [](const config::TokenConfig& t) {
    json out = json::array();
    for (auto s : t.scopes) out.push_back(std::string(config::to_string(s)));
    for (const auto& c : t.callback_carriers) out.push_back("callback:" + c);
    return out;
  };
  for (const auto& t : auth.config_tokens()) {
    list.push_back({{"name", t.name},
                    {"scopes", scopes_json(t)},
                    {"created_at", nullptr},
                    {"revoked_at", nullptr},
                    {"source", "config"}});
  }
  for (const auto& t : deps.store.list_tokens()) {
    list.push_back({{"name", t.name},
                    {"scopes", t.scopes},
                    {"created_at", time_or_null(t.created_at)},
                    {"revoked_at", time_or_null(t.revoked_at)},
                    {"source", "store"}});
  }
  finish(call, json_response(200, dump(json{{"tokens", std::move(list)}})));
}

void Router::Impl::create_token(Call& call, Request& req) {
  auto doc = json_body(call, req);
  if (!doc) return;
  std::vector<FieldError> errors;
  unknown_fields(*doc, {"name", "scopes"}, errors);
  auto name = string_field(*doc, "name", errors);
  if (!name || !valid_name(*name)) {
    errors.push_back({"name", "is required: letters, digits, '_', '-' and '.', at most 64"});
  }
  std::vector<std::string> scopes;
  auto it = doc->find("scopes");
  if (it == doc->end() || !it->is_array() || it->empty()) {
    errors.push_back(
        {"scopes", "is required: a non-empty array of send, read, admin, callback:<carrier>"});
  } else {
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& s = (*it)[i];
      if (!s.is_string() || !valid_scope(s.get_ref<const std::string&>())) {
        errors.push_back({"scopes[" + std::to_string(i) + "]",
                          "must be one of send, read, admin, callback:<carrier>"});
      } else if (const auto& word = s.get_ref<const std::string&>();
                 word.starts_with("callback:") &&
                 (!deps.find_carrier || deps.find_carrier(word.substr(9)) == nullptr)) {
        errors.push_back({"scopes[" + std::to_string(i) + "]",
                          "no carrier named \"" + word.substr(9) + "\""});
      } else if (std::find(scopes.begin(), scopes.end(), s.get<std::string>()) == scopes.end()) {
        scopes.push_back(s.get<std::string>());
      }
    }
  }
  if (!errors.empty()) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  if (auth.is_config_token(*name)) {
    return problem(call, ProblemKind::conflict,
                   "a token with this name is defined in the config file");
  }
  const std::string token = random_hex(32);
  store::TokenRow row;
  row.name = *name;
  row.sha256 = sha256_hex(token);
  row.scopes = scopes;
  row.created_at = now();
  auto cfg = token_config(row);
  auto entry = audit(call, "token.create", "token", row.name);
  deps.store.async_create_token(
      std::move(row), [self = shared_from_this(), call = std::move(call), token, scopes,
                       cfg = std::move(*cfg)](std::error_code ec, store::WriteResult r) mutable {
        self->on_io([self, call = std::move(call), ec, r, token = std::move(token),
                     scopes = std::move(scopes), cfg = std::move(cfg)]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "not found", "a token with this name exists");
          }
          // Usable at once: the next request authenticates against the new digest.
          self->auth.add_store_token(cfg);
          spdlog::info("api token {} created", cfg.name);
          json body = {{"name", cfg.name}, {"scopes", scopes}, {"token", token}};
          Response res = json_response(201, dump(body));
          res.set(http::field::location, "/v1/tokens/" + cfg.name);
          self->finish(call, std::move(res));
        });
      }, std::move(entry));
}

void Router::Impl::delete_token(Call& call, std::string_view param) {
  std::optional<std::string> name{std::string(param)};
  // A token created through the API can always be revoked, even if (against the load-time
  // check) the config names one the same way: the config one stays, the API one goes.
  bool in_store = false;
  for (const auto& row : deps.store.list_tokens()) {
    in_store = in_store || (row.name == *name && !row.revoked_at);
  }
  if (!in_store && auth.is_config_token(*name)) {
    return problem(call, ProblemKind::conflict,
                   "this token is defined in the config file; edit the config (remove its "
                   "[[api.tokens]] entry) and reload the daemon to revoke it");
  }
  auto entry = audit(call, "token.revoke", "token", *name);
  deps.store.async_revoke_token(
      *name, [self = shared_from_this(), call = std::move(call), name = *name](
                 std::error_code ec, store::WriteResult r) mutable {
        self->on_io([self, call = std::move(call), ec, r, name]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "no active token with this name", "conflict");
          }
          self->auth.remove_store_token(name);
          spdlog::info("api token {} revoked", name);
          self->finish(call, Response{http::status::no_content, 11});
        });
      }, std::move(entry));
}

namespace {


// Never the hash: it would let a reader attack the password offline.
json user_json(const store::UserRow& u) {
  return {{"name", u.name},
          {"role", u.role},
          {"disabled", u.disabled_at.has_value()},
          {"created_at", time_or_null(u.created_at)},
          {"updated_at", time_or_null(u.updated_at)},
          {"password_changed_at", time_or_null(u.password_changed_at)},
          {"disabled_at", time_or_null(u.disabled_at)}};
}

// The password of a create or change: nullopt (with the field's error) unless acceptable.
std::optional<std::string> password_field(const json& doc, bool required, std::vector<FieldError>& errors) {
  auto password = string_field(doc, "password", errors);
  if (!password) {
    if (required && doc.find("password") == doc.end()) errors.push_back({"password", "is required"});
    return std::nullopt;
  }
  if (auto why = password_problem(*password); !why.empty()) {
    errors.push_back({"password", why});
    return std::nullopt;
  }
  return password;
}

}  // namespace

// ---------------------------------------------------------------------------- users
// The people who log in to the console (issue 13). Passwords are hashed with Argon2id on the
// worker (tens of milliseconds each), never on the io thread, and never logged or answered.

void Router::Impl::list_users(Call& call) {
  json list = json::array();
  for (const auto& u : deps.store.list_users()) list.push_back(user_json(u));
  finish(call, json_response(200, dump(json{{"users", std::move(list)}})));
}

void Router::Impl::get_user(Call& call, std::string_view param) {
  auto u = deps.store.get_user(std::string(param));
  if (!u) return problem(call, ProblemKind::not_found, "no user with this name");
  finish(call, json_response(200, dump(user_json(*u))));
}

void Router::Impl::create_user(Call& call, Request& req) {
  auto doc = json_body(call, req);
  if (!doc) return;
  std::vector<FieldError> errors;
  unknown_fields(*doc, {"name", "role", "password"}, errors);
  auto name = string_field(*doc, "name", errors);
  if (!name || !valid_name(*name)) {
    errors.push_back({"name", "is required: letters, digits, '_', '-' and '.', at most 64"});
  }
  auto role = string_field(*doc, "role", errors);
  if (!role || !valid_role(*role)) errors.push_back({"role", "is required: admin, sender or viewer"});
  auto password = password_field(*doc, true, errors);
  if (!errors.empty()) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  store::UserRow row;
  row.name = *name;
  row.role = *role;
  offload_password([self = shared_from_this(), call, row = std::move(row), password = std::move(*password)]() mutable {
    row.password_hash = hash_password(password);
    const std::string name = row.name;
    auto entry = self->audit(call, "user.create", "user", row.name);
    self->deps.store.async_create_user(std::move(row), [self, call, name](std::error_code ec,
                                                                         store::WriteResult r) mutable {
      self->on_io([self, call, ec, r, name]() mutable {
        if (ec || r != store::WriteResult::ok) {
          return self->write_failed(call, ec, r, "not found", "a user with this name exists");
        }
        spdlog::info("user {} created", name);
        auto u = self->deps.store.get_user(name);
        if (!u) return self->problem(call, ProblemKind::internal, "the user was stored but cannot be read back");
        Response res = json_response(201, dump(user_json(*u)));
        res.set(http::field::location, "/v1/users/" + name);
        self->finish(call, std::move(res));
      });
    }, std::move(entry));
  });
}

void Router::Impl::patch_user(Call& call, std::string_view param, Request& req) {
  auto doc = json_body(call, req);
  if (!doc) return;
  std::vector<FieldError> errors;
  unknown_fields(*doc, {"role", "disabled", "password"}, errors);
  store::UserUpdate update;
  update.role = string_field(*doc, "role", errors);
  if (update.role && !valid_role(*update.role)) errors.push_back({"role", "must be admin, sender or viewer"});
  if (auto it = doc->find("disabled"); it != doc->end()) {
    if (it->is_boolean()) update.disabled = it->get<bool>();
    else errors.push_back({"disabled", "must be true or false"});
  }
  auto password = password_field(*doc, false, errors);
  if (errors.empty() && !update.role && !update.disabled && !password) {
    errors.push_back({"body", "nothing to change: give role, disabled or password"});
  }
  if (!errors.empty()) return problem(call, ProblemKind::validation, errors_detail(errors.size()), errors);
  const std::string name(param);
  // Before the worker spends a hash on it (the write still answers 404 if the person goes
  // meanwhile).
  if (!deps.store.get_user(name)) return problem(call, ProblemKind::not_found, "no user with this name");
  const bool changed_password = password.has_value();
  // An administrator looked at this person: a lock from failed sign-ins ends now.
  login_guard.clear(name);
  auto store_update = [self = shared_from_this(), call, name, changed_password](store::UserUpdate update) mutable {
    auto entry = self->audit(call, changed_password ? "user.password" : "user.update", "user", name);
    self->deps.store.async_update_user(
        name, std::move(update),
        [self, call, name, changed_password](std::error_code ec, store::WriteResult r) mutable {
          self->on_io([self, call, ec, r, name, changed_password]() mutable {
            if (ec || r != store::WriteResult::ok) {
              return self->write_failed(call, ec, r, "no user with this name", "conflict");
            }
            spdlog::info("user {} changed{}", name, changed_password ? " (new password)" : "");
            auto u = self->deps.store.get_user(name);
            if (!u) return self->problem(call, ProblemKind::not_found, "no user with this name");
            self->finish(call, json_response(200, dump(user_json(*u))));
          });
        },
        std::move(entry));
  };
  // Only a new password needs the worker; a role or a disable goes to the store at once.
  if (!password) return store_update(std::move(update));
  offload_password([store_update = std::move(store_update), update = std::move(update),
                    password = std::move(*password)]() mutable {
    update.password_hash = hash_password(password);
    store_update(std::move(update));
  });
}

}  // namespace smsgw::api
