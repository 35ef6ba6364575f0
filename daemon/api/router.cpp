#include "api/router.hpp"

#include <boost/asio/post.hpp>
#include <charconv>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <map>
#include <unordered_set>

#include "api/auth.hpp"
#include "api/fanout.hpp"
#include "api/http_util.hpp"
#include "api/router_impl.hpp"
#include "api/send.hpp"
#include "common/crypto.hpp"
#include "common/phone.hpp"
#include "common/sms_encoding.hpp"
#include "common/time.hpp"

namespace smsgw::api {

namespace http = boost::beast::http;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::map<std::string, std::string> signatures_of(const std::vector<config::CarrierConfig>& carriers) {
  std::map<std::string, std::string> out;
  for (const auto& c : carriers)
    if (!c.signature.empty()) out.emplace(c.name, c.signature);
  return out;
}

}  // namespace

namespace {

enum class RouteId {
  healthz, readyz, metrics, messages, message, batch, callback,
  recipients, recipients_import, recipient, groups, group, templates, template_one,
  template_preview, tokens, token, calendar_year, calendar_day, schedules, schedule,
  schedule_next, schedule_history, none
};

struct Route {
  RouteId id = RouteId::none;
  std::string_view name = "other";  // metrics label
  std::string_view param;           // {id}, {carrier}, {name}, {year} or {date}
  std::string_view allow;           // for 405
};

Route match(std::string_view target) {
  const std::string_view path = path_of(target);
  auto with_param = [&](std::string_view prefix, RouteId id, std::string_view name,
                        std::string_view allow) -> std::optional<Route> {
    if (!starts_with(path, prefix)) return std::nullopt;
    std::string_view rest = path.substr(prefix.size());
    if (rest.empty() || rest.find('/') != std::string_view::npos) return std::nullopt;
    return Route{id, name, rest, allow};
  };
  if (path == "/healthz") return {RouteId::healthz, "/healthz", {}, "GET"};
  if (path == "/readyz") return {RouteId::readyz, "/readyz", {}, "GET"};
  if (path == "/metrics") return {RouteId::metrics, "/metrics", {}, "GET"};
  if (path == "/v1/messages") return {RouteId::messages, "/v1/messages", {}, "GET, POST"};
  if (auto r = with_param("/v1/messages/", RouteId::message, "/v1/messages/{id}", "GET, DELETE"))
    return *r;
  if (auto r = with_param("/v1/batches/", RouteId::batch, "/v1/batches/{id}", "GET")) return *r;
  if (auto r = with_param("/v1/callbacks/", RouteId::callback, "/v1/callbacks/{carrier}", "POST"))
    return *r;
  if (path == "/v1/recipients") return {RouteId::recipients, "/v1/recipients", {}, "GET, POST"};
  if (path == "/v1/recipients/import")
    return {RouteId::recipients_import, "/v1/recipients/import", {}, "POST"};
  if (auto r = with_param("/v1/recipients/", RouteId::recipient, "/v1/recipients/{id}",
                          "GET, PATCH, DELETE"))
    return *r;
  if (path == "/v1/groups") return {RouteId::groups, "/v1/groups", {}, "GET, POST"};
  if (auto r = with_param("/v1/groups/", RouteId::group, "/v1/groups/{name}", "GET, DELETE"))
    return *r;
  if (path == "/v1/templates") return {RouteId::templates, "/v1/templates", {}, "GET, POST"};
  constexpr std::string_view kTemplates = "/v1/templates/";
  constexpr std::string_view kPreview = "/preview";
  // Room for both: "/v1/templates/preview" is the template named "preview", not a preview of
  // the template named "" (found by fuzz_route; substr past the end threw out of handle()).
  if (starts_with(path, kTemplates) && path.size() >= kTemplates.size() + kPreview.size() &&
      path.ends_with(kPreview)) {
    std::string_view name =
        path.substr(kTemplates.size(), path.size() - kTemplates.size() - kPreview.size());
    if (!name.empty() && name.find('/') == std::string_view::npos) {
      return {RouteId::template_preview, "/v1/templates/{name}/preview", name, "POST"};
    }
    return {};
  }
  if (auto r = with_param("/v1/templates/", RouteId::template_one, "/v1/templates/{name}",
                          "GET, PUT, DELETE"))
    return *r;
  if (auto r = with_param("/v1/calendar/day/", RouteId::calendar_day, "/v1/calendar/day/{date}",
                          "GET"))
    return *r;
  if (auto r = with_param("/v1/calendar/", RouteId::calendar_year, "/v1/calendar/{year}", "GET"))
    return *r;
  if (path == "/v1/schedules") return {RouteId::schedules, "/v1/schedules", {}, "GET, POST"};
  // "/v1/schedules/{id}/next" and ".../history": the id segment is split off first.
  if (starts_with(path, "/v1/schedules/")) {
    std::string_view rest = path.substr(std::string_view("/v1/schedules/").size());
    const auto slash = rest.find('/');
    std::string_view id = rest.substr(0, slash);
    if (id.empty()) return {};
    if (slash == std::string_view::npos) {
      return {RouteId::schedule, "/v1/schedules/{id}", id, "GET, PUT, PATCH, DELETE"};
    }
    std::string_view sub = rest.substr(slash);
    if (sub == "/next") return {RouteId::schedule_next, "/v1/schedules/{id}/next", id, "GET"};
    if (sub == "/history") {
      return {RouteId::schedule_history, "/v1/schedules/{id}/history", id, "GET"};
    }
    return {};
  }
  if (path == "/v1/tokens") return {RouteId::tokens, "/v1/tokens", {}, "GET, POST"};
  if (auto r = with_param("/v1/tokens/", RouteId::token, "/v1/tokens/{name}", "DELETE"))
    return *r;
  return {};
}

bool method_allowed(RouteId id, http::verb v) {
  const bool get = v == http::verb::get, post = v == http::verb::post,
             del = v == http::verb::delete_;
  switch (id) {
    case RouteId::healthz:
    case RouteId::readyz:
    case RouteId::metrics:
    case RouteId::batch:
    case RouteId::calendar_year:
    case RouteId::calendar_day:
    case RouteId::schedule_next:
    case RouteId::schedule_history: return get;
    case RouteId::messages:
    case RouteId::schedules:
    case RouteId::recipients:
    case RouteId::groups:
    case RouteId::templates:
    case RouteId::tokens: return get || post;
    case RouteId::message:
    case RouteId::group: return get || del;
    case RouteId::callback:
    case RouteId::recipients_import:
    case RouteId::template_preview: return post;
    case RouteId::recipient: return get || del || v == http::verb::patch;
    case RouteId::template_one: return get || del || v == http::verb::put;
    case RouteId::token: return del;
    case RouteId::schedule: return get || del || v == http::verb::put || v == http::verb::patch;
    case RouteId::none: return false;
  }
  return false;
}

config::Scope scope_for(RouteId id, http::verb v) {
  const bool write = v != http::verb::get && v != http::verb::head;
  switch (id) {
    case RouteId::messages: return write ? config::Scope::send : config::Scope::read;
    case RouteId::message:
      // plus ownership, checked in cancel()
      return v == http::verb::delete_ ? config::Scope::send : config::Scope::read;
    case RouteId::callback: return config::Scope::callback;
    case RouteId::recipients:
    case RouteId::recipient:
    case RouteId::groups:
    case RouteId::group:
    case RouteId::templates:
    case RouteId::template_one:
    case RouteId::schedules:
    case RouteId::schedule: return write ? config::Scope::admin : config::Scope::read;
    case RouteId::recipients_import:
    case RouteId::tokens:
    case RouteId::token: return config::Scope::admin;
    case RouteId::template_preview: return config::Scope::read;
    default: return config::Scope::read;
  }
}


}  // namespace

std::string_view route_template(std::string_view target) { return match(target).name; }

Response make_problem(ProblemKind kind, std::string_view detail,
                      const std::vector<FieldError>& errors) {
  Response res{static_cast<http::status>(status_of(kind)), 11};
  res.set(http::field::content_type, kProblemContentType);
  res.set(http::field::cache_control, "no-store");
  res.body() = problem_body(kind, detail, errors);
  // Every 503 is temporary (storage, readiness, load): tell clients when to come back.
  if (kind == ProblemKind::unavailable) res.set(http::field::retry_after, "5");
  return res;
}

namespace {

TimeZone load_zone(const std::string& name) {
  if (auto tz = TimeZone::load(name)) return *tz;
  spdlog::warn("timezone {} could not be loaded; template dates and the daily cap use UTC", name);
  return TimeZone::utc();
}

}  // namespace

Router::Impl::Impl(boost::asio::io_context& io_, const config::Config& config, Dependencies deps_)
    : io(io_),
      deps(std::move(deps_)),
      auth(config.api.tokens),
      limits(config.limits),
      sms(config.sms),
      carrier_signatures(signatures_of(config.carriers)),
      tz(load_zone(config.daemon.timezone)) {
  load_store_tokens();
}

UnixMs Router::Impl::now() const { return deps.clock ? deps.clock() : now_ms(); }

void Router::Impl::record(std::string_view route, unsigned status, Clock::time_point started) {
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const std::string r(route);
  deps.metrics.http_requests.inc({r, std::to_string(status)});
  deps.metrics.http_duration.observe({r}, seconds);
}

void Router::Impl::finish(Call& call, Response res) {
  const unsigned status = res.result_int();
  record(call.route, status, call.started);
  // Method, route template, status and time only: never bodies, tokens or phone numbers.
  spdlog::debug("http {} {} {} {:.2f}ms", verb_name(call.method), call.route, status,
                std::chrono::duration<double, std::milli>(Clock::now() - call.started).count());
  auto respond = std::move(call.respond);
  respond(std::move(res));
}

void Router::Impl::problem(Call& call, ProblemKind kind, std::string_view detail,
             const std::vector<FieldError>& errors) {
  finish(call, make_problem(kind, detail, errors));
}


void Router::Impl::handle(Request req, Respond respond) {
  const Route route = match(req.target());
  Call call{Clock::now(), route.name, req.method(), std::move(respond)};
  if (route.id == RouteId::none) {
    return problem(call, ProblemKind::not_found, "no such resource");
  }
  if (!method_allowed(route.id, req.method())) {
    Response res = make_problem(ProblemKind::method_not_allowed,
                                "method not allowed here; see the Allow header");
    res.set(http::field::allow, route.allow);
    return finish(call, std::move(res));
  }
  if (route.id == RouteId::healthz) {
    return finish(call, json_response(200, R"({"status":"ok"})"));
  }

  const config::Scope needed = scope_for(route.id, req.method());
  AuthResult who = auth.authenticate(req[http::field::authorization]);
  if (who.status != AuthStatus::ok) {
    Response res = make_problem(ProblemKind::unauthorized,
                                who.status == AuthStatus::missing
                                    ? "an Authorization: Bearer <token> header is required"
                                    : "the bearer token is not valid");
    res.set(http::field::www_authenticate, who.status == AuthStatus::missing
                                               ? R"(Bearer realm="smsgw")"
                                               : R"(Bearer realm="smsgw", error="invalid_token")");
    return finish(call, std::move(res));
  }
  const Principal& principal = *who.principal;
  if (!principal.allows(needed)) {
    const std::string scope(config::to_string(needed));
    Response res = make_problem(ProblemKind::forbidden,
                                "this token lacks the \"" + scope + "\" scope");
    res.set(http::field::www_authenticate,
            R"(Bearer realm="smsgw", error="insufficient_scope", scope=")" + scope + "\"");
    return finish(call, std::move(res));
  }

  try {
    switch (route.id) {
      case RouteId::readyz: return readyz(call);
      case RouteId::metrics: return metrics(call);
      case RouteId::messages:
        if (req.method() == http::verb::post) return send(call, principal, req);
        return list(call, req.target());
      case RouteId::message:
        if (req.method() == http::verb::delete_) return cancel(call, principal, route.param);
        return get_message(call, route.param);
      case RouteId::batch: return get_batch(call, route.param);
      case RouteId::callback: return callback(call, std::string(route.param), req);
      case RouteId::recipients:
        if (req.method() == http::verb::post) return create_recipient(call, req);
        return list_recipients(call, req.target());
      case RouteId::recipients_import: return import_recipients(call, req);
      case RouteId::recipient:
        if (req.method() == http::verb::patch) return patch_recipient(call, route.param, req);
        if (req.method() == http::verb::delete_) return delete_recipient(call, route.param);
        return get_recipient(call, route.param);
      case RouteId::groups:
        if (req.method() == http::verb::post) return create_group(call, req);
        return list_groups(call);
      case RouteId::group:
        if (req.method() == http::verb::delete_) return delete_group(call, route.param);
        return get_group(call, route.param);
      case RouteId::templates:
        if (req.method() == http::verb::post) return create_template(call, req);
        return list_templates(call);
      case RouteId::template_one:
        if (req.method() == http::verb::put) return put_template(call, route.param, req);
        if (req.method() == http::verb::delete_) return delete_template(call, route.param);
        return get_template(call, route.param);
      case RouteId::template_preview: return preview_template(call, route.param, req);
      case RouteId::tokens:
        if (req.method() == http::verb::post) return create_token(call, req);
        return list_tokens(call);
      case RouteId::token: return delete_token(call, route.param);
      case RouteId::calendar_year: return calendar_year(call, route.param);
      case RouteId::calendar_day: return calendar_day(call, route.param);
      case RouteId::schedules:
        if (req.method() == http::verb::post) return create_schedule(call, principal, req);
        return list_schedules(call);
      case RouteId::schedule:
        if (req.method() == http::verb::put) return put_schedule(call, route.param, req);
        if (req.method() == http::verb::patch) return patch_schedule(call, route.param, req);
        if (req.method() == http::verb::delete_) return delete_schedule(call, route.param);
        return get_schedule(call, route.param);
      case RouteId::schedule_next: return schedule_next(call, route.param, req.target());
      case RouteId::schedule_history: return schedule_history(call, route.param, req.target());
      default: return problem(call, ProblemKind::not_found, "no such resource");
    }
  } catch (const std::exception& e) {
    // Reads do not throw by contract; this guards against a bug answering with a crash.
    spdlog::error("http {} {}: unexpected error: {}", verb_name(call.method), call.route,
                  e.what());
    if (call.respond) problem(call, ProblemKind::internal, "internal error");
  }
}

void Router::Impl::readyz(Call& call) {
  const bool writable = deps.store.writable();
  std::vector<dispatch::CarrierStatus> carriers;
  if (deps.carrier_status) carriers = deps.carrier_status();
  bool any_up = false;
  json list = json::array();
  for (const auto& c : carriers) {
    any_up = any_up || c.up;
    list.push_back({{"name", c.name},
                    {"priority", c.priority},
                    {"up", c.up},
                    {"breaker", c.breaker},
                    {"in_flight", c.in_flight}});
  }
  if (writable && any_up) {
    json body = {{"status", "ready"}, {"store", {{"writable", true}}}, {"carriers", std::move(list)}};
    return finish(call, json_response(200, dump(body)));
  }
  // Not ready is an error like any other 503: problem+json, with the same details as members.
  std::string detail = "not ready:";
  if (!writable) detail += " the store cannot commit (disk full, read-only or failing);";
  if (!any_up) detail += carriers.empty() ? " no carrier is configured;" : " no carrier is up;";
  detail.pop_back();
  const json extra = {{"store", {{"writable", writable}}}, {"carriers", std::move(list)}};
  Response res = make_problem(ProblemKind::unavailable, detail);
  res.body() = problem_body(ProblemKind::unavailable, detail, {}, extra);
  finish(call, std::move(res));
}

void Router::Impl::metrics(Call& call) {
  Response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.body() = deps.metrics.render();
  finish(call, std::move(res));
}

void Router::Impl::get_message(Call& call, std::string_view param) {
  auto id = parse_id(param);
  std::optional<store::MessageRow> m;
  if (id) m = deps.store.get_message(*id);
  if (!m) return problem(call, ProblemKind::not_found, "no message with this id");
  finish(call, json_response(200, dump(message_with_history(*m))));
}

json Router::Impl::message_with_history(const store::MessageRow& m) {
  json j = message_json(m);
  json history = json::array();
  for (const auto& a : deps.store.get_attempts(m.id)) {
    history.push_back({{"at", time_or_null(a.at)},
                       {"carrier", string_or_null(a.carrier)},
                       {"outcome", a.outcome},
                       {"error", string_or_null(a.error)}});
  }
  j["history"] = std::move(history);
  return j;
}

void Router::Impl::list(Call& call, std::string_view target) {
  store::MessageFilter filter;
  std::vector<FieldError> errors;
  std::string_view query = query_of(target);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view()
                                                             : pair.substr(eq + 1));
    if (!key || !value) {
      return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
    }
    if (value->empty()) continue;  // "status=" from a form means "any"
    if (*key == "status") {
      filter.status = parse_status(*value);
      if (!filter.status) {
        errors.push_back({"status", "must be one of queued, sending, sent, delivered, failed, "
                                    "expired, cancelled"});
      }
    } else if (*key == "batch_id") {
      filter.batch_id = parse_id(*value);
      if (!filter.batch_id) errors.push_back({"batch_id", "must be a batch id"});
    } else if (*key == "to") {
      PhoneResult p = normalize_phone(*value);
      if (p.ok()) {
        filter.to = std::move(p.e164);
      } else {
        errors.push_back({"to", p.error});
      }
    } else if (*key == "limit") {
      auto n = parse_id(*value);
      if (!n || *n > 1000) {
        errors.push_back({"limit", "must be an integer from 1 to 1000"});
      } else {
        filter.limit = static_cast<int>(*n);
      }
    } else if (*key == "cursor") {
      filter.before_id = parse_id(*value);
      if (!filter.before_id) errors.push_back({"cursor", "is not a cursor from next_cursor"});
    } else {
      errors.push_back({*key, "unknown query parameter"});
    }
  }
  if (!errors.empty()) {
    return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  }
  store::MessagePage page = deps.store.list_messages(filter);
  json messages = json::array();
  for (const auto& m : page.messages) messages.push_back(message_json(m));
  json body = {{"messages", std::move(messages)},
               {"next_cursor", page.next_cursor ? json(std::to_string(*page.next_cursor))
                                                : json(nullptr)}};
  finish(call, json_response(200, dump(body)));
}

void Router::Impl::get_batch(Call& call, std::string_view param) {
  auto id = parse_id(param);
  std::optional<store::BatchSummary> b;
  if (id) b = deps.store.get_batch(*id);
  if (!b) return problem(call, ProblemKind::not_found, "no batch with this id");
  json by_status = json::object();
  for (const auto& [status, n] : b->by_status) by_status[std::string(to_string(status))] = n;
  json body = {{"id", std::to_string(b->id)},
               {"source", b->source},
               {"created_at", time_or_null(b->created_at)},
               {"count", b->total},
               {"by_status", std::move(by_status)},
               {"skipped", b->skipped},
               {"skipped_by_reason", b->skipped_by_reason}};
  finish(call, json_response(200, dump(body)));
}

void Router::Impl::send(Call& call, const Principal& who, Request& req) {
  if (!is_json_content_type(req[http::field::content_type])) {
    return problem(call, ProblemKind::unsupported_media, "Content-Type must be application/json");
  }
  std::optional<store::IdempotencyKey> key;
  if (auto it = req.find("Idempotency-Key"); it != req.end()) {
    const std::string_view value(it->value().data(), it->value().size());
    if (!valid_idempotency_key(value)) {
      return problem(call, ProblemKind::malformed_request,
                     "Idempotency-Key must be 1 to 255 printable ASCII characters");
    }
    key = store::IdempotencyKey{who.name, std::string(value), sha256_hex(req.body())};
  }
  json doc = json::parse(req.body(), nullptr, false);
  if (doc.is_discarded()) {
    return problem(call, ProblemKind::malformed_request, "the body is not valid JSON (UTF-8)");
  }
  if (!doc.is_object()) {
    return problem(call, ProblemKind::validation, "the body must be a JSON object",
                   {{"", "must be a JSON object"}});
  }
  const UnixMs now = this->now();
  SendRequest sr;
  std::vector<FieldError> errors;
  std::string detail = validate_send(doc, limits, now, sr, errors);
  if (!errors.empty()) return problem(call, ProblemKind::validation, detail, errors);

  SendPlan plan = plan_send(SendContext{deps.store, limits, sms, tz, now}, sr, "api:" + who.name);
  if (!plan.errors.empty()) return problem(call, ProblemKind::validation, plan.detail, plan.errors);
  const std::int64_t n = plan.count;
  const UnixMs send_at = plan.due_at;
  std::string response_body = plan.response_body;
  store::NewBatch batch = std::move(plan.batch);

  deps.store.async_enqueue(
      std::move(batch), std::move(key), response_body,
      [self = shared_from_this(), call = std::move(call), response_body, n, send_at](
          std::error_code ec, store::EnqueueResult result) mutable {
        self->on_io([self, call = std::move(call), response_body = std::move(response_body), n,
                     send_at, ec, result = std::move(result)]() mutable {
          self->on_enqueued(call, ec, result, std::move(response_body), n, send_at);
        });
      });
}

void Router::Impl::on_enqueued(Call& call, std::error_code ec, store::EnqueueResult& result,
                 std::string response_body, std::int64_t n, UnixMs send_at) {
  if (ec) {
    spdlog::error("enqueue failed: {}", ec.message());
    return problem(call, kind_for_store_error(ec),
                   store::is_storage_unavailable(ec) ? "storage is unavailable; retry later"
                                                     : "the messages could not be stored");
  }
  switch (result.kind) {
    case store::EnqueueResult::Kind::created: {
      deps.metrics.messages_accepted.inc({}, static_cast<double>(n));
      if (deps.on_enqueued && n > 0) deps.on_enqueued(send_at);
      return finish(call, json_response(202, std::move(response_body)));
    }
    case store::EnqueueResult::Kind::replayed: {
      Response res = json_response(202, std::move(result.stored_response));
      res.set("Idempotent-Replayed", "true");
      return finish(call, std::move(res));
    }
    case store::EnqueueResult::Kind::conflict:
      return problem(call, ProblemKind::conflict,
                     "this Idempotency-Key was already used with a different request body");
  }
}

void Router::Impl::cancel(Call& call, const Principal& who, std::string_view param) {
  auto id = parse_id(param);
  std::optional<store::MessageRow> m;
  if (id) m = deps.store.get_message(*id);
  if (!m) return problem(call, ProblemKind::not_found, "no message with this id");
  if (!who.allows(config::Scope::admin)) {
    // A send-only token may cancel what it created, not other clients' messages.
    auto batch = deps.store.get_batch(m->batch_id);
    if (!batch || batch->source != "api:" + who.name) {
      return problem(call, ProblemKind::forbidden,
                     "this token may cancel only messages it created");
    }
  }
  deps.store.async_cancel(*id, [self = shared_from_this(), call = std::move(call), id = *id](
                                   std::error_code ec, store::CancelResult r) mutable {
    self->on_io([self, call = std::move(call), id, ec, r]() mutable {
      self->on_cancelled(call, id, ec, r);
    });
  });
}

void Router::Impl::on_cancelled(Call& call, std::int64_t id, std::error_code ec, store::CancelResult r) {
  try {
    if (ec) {
      return problem(call, kind_for_store_error(ec), "the message could not be cancelled");
    }
    auto m = deps.store.get_message(id);
    if (r == store::CancelResult::not_found || !m) {
      return problem(call, ProblemKind::not_found, "no message with this id");
    }
    if (r == store::CancelResult::not_cancellable) {
      const std::string status(to_string(m->status));
      Response res{http::status::conflict, 11};
      res.set(http::field::content_type, kProblemContentType);
      res.body() = problem_body(ProblemKind::conflict,
                                "the message is " + status + " and can no longer be cancelled",
                                {}, json{{"message_status", status}});
      return finish(call, std::move(res));
    }
    finish(call, json_response(200, dump(message_with_history(*m))));
  } catch (const std::exception& e) {
    spdlog::error("cancel: unexpected error: {}", e.what());
    if (call.respond) problem(call, ProblemKind::internal, "internal error");
  }
}

void Router::Impl::callback(Call& call, std::string carrier, Request& req) {
  const carriers::Adapter* adapter = deps.find_carrier ? deps.find_carrier(carrier) : nullptr;
  if (adapter == nullptr) return problem(call, ProblemKind::not_found, "no such carrier");
  carriers::CallbackRequest cr{std::string(req[http::field::content_type]),
                               std::move(req.body())};
  carriers::CallbackParse parsed = adapter->parse_callback(cr);
  if (!parsed.report) {
    return problem(call, ProblemKind::malformed_request,
                   parsed.error.empty() ? "malformed delivery report" : parsed.error);
  }
  store::DeliveryReport report{carrier, parsed.report->carrier_message_id,
                               parsed.report->delivered, parsed.report->error, now_ms()};
  const std::string outcome = report.delivered ? "delivered" : "undelivered";
  deps.store.async_delivery_report(
      std::move(report), [self = shared_from_this(), call = std::move(call),
                          carrier = std::move(carrier), outcome](std::error_code ec,
                                                                 bool found) mutable {
        self->on_io([self, call = std::move(call), carrier = std::move(carrier), outcome, ec,
                     found]() mutable {
          if (ec) {
            return self->problem(call, kind_for_store_error(ec),
                                 "the report could not be stored");
          }
          self->deps.metrics.delivery_reports.inc({carrier, found ? outcome : "unknown"});
          if (!found) {
            return self->problem(call, ProblemKind::not_found,
                                 "no message with this carrier message id");
          }
          self->finish(call, json_response(200, R"({"status":"ok"})"));
        });
      });
}

Router::Router(boost::asio::io_context& io, const config::Config& config, Dependencies deps)
    : impl_(std::make_shared<Impl>(io, config, std::move(deps))) {}

Router::~Router() = default;

void Router::reconfigure(const config::Config& config) {
  impl_->auth.replace(config.api.tokens);
  impl_->limits = config.limits;
  impl_->sms = config.sms;
  impl_->carrier_signatures = signatures_of(config.carriers);
}

void Router::handle(Request request, Respond respond) {
  impl_->handle(std::move(request), std::move(respond));
}

void Router::record(std::string_view route, unsigned status, Clock::time_point started) {
  impl_->record(route, status, started);
}

}  // namespace smsgw::api
